import type { LoadedTemplate } from "../manifest/load-manifest.ts";
import { selectTemplates } from "../manifest/discover-templates.ts";
import type { Cell } from "./cell.ts";

/** A manifest's size budgets are in MB of 10^6 bytes, as `docker images` counts them. */
const bytesPerMB = 1_000_000;

/**
 * One cell per variant of each template, in template then variant order. With `names`, only those
 * templates (an unknown name throws UnknownTemplateError).
 */
export function expandMatrix(templates: readonly LoadedTemplate[], names?: readonly string[]): Cell[] {
  const selected = names && names.length > 0 ? selectTemplates(templates, names) : templates;
  return selected.flatMap((template) => {
    const defaults = Object.fromEntries(
      Object.entries(template.manifest.buildArgs).flatMap(([name, arg]) => (arg.default === undefined ? [] : [[name, arg.default]])),
    );
    return template.manifest.variants.map((variant) => ({
      id: `${template.name}/${variant.id}`,
      template,
      variant,
      python: variant.python ?? null,
      buildArgs: { ...defaults, ...variant.buildArgs, ...variant.baseImages },
      baseImages: { ...variant.baseImages },
      sizeBudgetBytes: Math.round(variant.sizeBudgetMB * bytesPerMB),
      checks: [...template.manifest.checks],
    }));
  });
}
