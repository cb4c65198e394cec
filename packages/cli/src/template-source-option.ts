import { resolve } from "node:path";
import { normalizeRegistryUrl, type TemplateSource } from "@dockerize-python/harness";
import { UsageError } from "./usage-error.ts";

/**
 * The source `--from PATH` (a checkout) or `--registry URL` names; undefined when neither is given
 * (the caller's default: npm's configured registry, or the source the app recorded).
 */
export function templateSourceOption(values: { from?: string; registry?: string }, usage: string): TemplateSource | undefined {
  if (values.from !== undefined && values.registry !== undefined) {
    throw new UsageError("--from and --registry exclude each other: a template comes from a checkout or from a registry.", usage);
  }
  if (values.from !== undefined) return { kind: "checkout", path: resolve(values.from) };
  if (values.registry !== undefined) return { kind: "registry", registry: normalizeRegistryUrl(values.registry, "--registry") };
  return undefined;
}

/** How a source is named in messages. */
export function describeSource(source: TemplateSource): string {
  return source.kind === "registry" ? `the npm registry ${source.registry}` : `the checkout ${source.path}`;
}
