import { type Check, type CheckContext, fail, pass } from "./check.ts";

const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`;

/** The image's uncompressed size is within the manifest's budget for the variant. */
export const sizeBudget: Check<Pick<CheckContext, "facts" | "sizeBudgetBytes">> = async ({ facts, sizeBudgetBytes }) => {
  const verdict = `${mb(facts.sizeBytes)} of a ${mb(sizeBudgetBytes)} budget`;
  return facts.sizeBytes <= sizeBudgetBytes ? pass(verdict) : fail(`${verdict}: ${mb(facts.sizeBytes - sizeBudgetBytes)} over`);
};
