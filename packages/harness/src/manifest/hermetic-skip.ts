import type { Variant, VariantNeed } from "./schema.ts";

/** What each need is, for a skip's reason. */
const needed: Record<VariantNeed, string> = {
  "go-modules": "the Go module proxy (xcaddy fetches Caddy's and the plugins' source from it)",
};

/**
 * Why hermetic mode does not build `variant`: its hermeticSkip, or a need (`needs`) that is not
 * among `met` (what this run's machine offers); undefined when it builds.
 */
export function hermeticSkipReason(variant: Pick<Variant, "hermeticSkip" | "needs">, met: ReadonlySet<VariantNeed> = new Set()): string | undefined {
  if (variant.hermeticSkip) return variant.hermeticSkip;
  const unmet = variant.needs.filter((need) => !met.has(need));
  return unmet.length ? `needs ${unmet.map((need) => needed[need]).join(" and ")}, which this run does not use` : undefined;
}
