import type { LoadedTemplate } from "../manifest/load-manifest.ts";
import { selectTemplates } from "../manifest/discover-templates.ts";
import type { Cell } from "./cell.ts";
import { cellNeeds } from "./dependency-style-needs.ts";

/** A manifest's size budgets are in MB of 10^6 bytes, as `docker images` counts them. */
const bytesPerMB = 1_000_000;

/**
 * One cell per variant and dependency style of each template, in template, variant, style order;
 * the id is `<template>/<variant>` or, for a template with dependency styles,
 * `<template>/<variant>-<style>`. With `names`, only those templates (an unknown name throws
 * UnknownTemplateError).
 */
export function expandMatrix(templates: readonly LoadedTemplate[], names?: readonly string[]): Cell[] {
  const selected = names && names.length > 0 ? selectTemplates(templates, names) : templates;
  return selected.flatMap((template) => {
    const defaults = Object.fromEntries(
      Object.entries(template.manifest.buildArgs).flatMap(([name, arg]) => (arg.default === undefined ? [] : [[name, arg.default]])),
    );
    const styles = template.manifest.dependencyStyles ?? [null];
    return template.manifest.variants.flatMap((variant) => styles.map((dependencyStyle) => ({
      id: `${template.name}/${variant.id}${dependencyStyle ? `-${dependencyStyle}` : ""}`,
      template,
      variant,
      python: variant.python ?? null,
      dependencyStyle,
      needs: cellNeeds(variant.needs, dependencyStyle),
      buildArgs: { ...defaults, ...variant.buildArgs, ...variant.baseImages },
      baseImages: { ...variant.baseImages },
      sizeBudgetBytes: Math.round(variant.sizeBudgetMB * bytesPerMB),
      checks: [...template.manifest.checks],
    })));
  });
}
