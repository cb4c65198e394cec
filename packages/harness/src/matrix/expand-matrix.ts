import type { LoadedTemplate } from "../manifest/load-manifest.ts";
import { selectTemplates } from "../manifest/discover-templates.ts";
import { type Platform, platformTagSuffix } from "../docker/platform.ts";
import { type AppKind, type DependencyStyle, emulatedPlatformChecks, type Variant } from "../manifest/schema.ts";
import type { Cell } from "./cell.ts";
import { cellNeeds } from "./dependency-style-needs.ts";

/** A manifest's size budgets are in MB of 10^6 bytes, as `docker images` counts them. */
const bytesPerMB = 1_000_000;

/**
 * The cells of each template, in template, variant, style order: one per variant and dependency
 * style, each serving one of the template's app kinds as the manifests' rule says (see
 * `appKinds` in the schema, and pairStylesWithAppKinds), then one per variant for each platform
 * after the template's first (see `platforms` in the schema, and platformCell). The id is
 * `<template>/<variant>`, then `-<style>` for a template with dependency styles, then `-<app kind>`
 * when the cell serves another kind than the template's first (its main one: adding a kind to a
 * manifest renames only the cells that now serve it), then `-<arch>` for another platform's cell.
 * With `names`, only those templates (an unknown name throws UnknownTemplateError).
 */
export function expandMatrix(templates: readonly LoadedTemplate[], names?: readonly string[]): Cell[] {
  const selected = names && names.length > 0 ? selectTemplates(templates, names) : templates;
  return selected.flatMap((template) => {
    const { manifest } = template;
    const kinds = manifest.appKinds ?? [];
    const styles = manifest.dependencyStyles ?? [];
    const [, ...emulated] = manifest.platforms;
    const firstPlatform = manifest.variants.flatMap((variant, variantIndex) =>
      pairStylesWithAppKinds(styles, kinds, variantIndex).map((pair) => variantCell(template, variant, pair, undefined)),
    );
    const otherPlatforms = emulated.flatMap((platform) =>
      manifest.variants.map((variant) => variantCell(template, variant, { dependencyStyle: styles[0] ?? null, appKind: kinds[0] ?? null }, platform)),
    );
    return [...firstPlatform, ...otherPlatforms];
  });
}

/**
 * The cell of `variant` with one style and kind, for `platform` (undefined: the template's first).
 * Another platform's cell runs only the manifest's checks emulatedPlatformChecks names, within the
 * variant's size budget plus the platform's extra, and needs what its platform needs (cellNeeds).
 */
function variantCell(template: LoadedTemplate, variant: Variant, pair: StyleAndKind, platform: Platform | undefined): Cell {
  const { manifest } = template;
  const { dependencyStyle, appKind } = pair;
  const defaults = Object.fromEntries(Object.entries(manifest.buildArgs).flatMap(([name, arg]) => (arg.default === undefined ? [] : [[name, arg.default]])));
  const extraMB = platform ? (manifest.platformSizeBudgetExtraMB[platform] ?? 0) : 0;
  return {
    id: `${template.name}/${variant.id}${dependencyStyle ? `-${dependencyStyle}` : ""}${appKind && appKind !== manifest.appKinds?.[0] ? `-${appKind}` : ""}${platformTagSuffix(platform)}`,
    template,
    variant,
    python: variant.python ?? null,
    dependencyStyle,
    appKind,
    needs: cellNeeds(variant.needs, dependencyStyle, platform),
    buildArgs: { ...defaults, ...variant.buildArgs, ...variant.baseImages },
    baseImages: { ...variant.baseImages },
    platform,
    sizeBudgetBytes: Math.round((variant.sizeBudgetMB + extraMB) * bytesPerMB),
    checks: platform ? manifest.checks.filter((check) => emulatedPlatformChecks.includes(check)) : [...manifest.checks],
  };
}

/** A dependency style and the app kind a cell serves with it. */
type StyleAndKind = { dependencyStyle: DependencyStyle | null; appKind: AppKind | null };

/**
 * The manifests' pruning rule, for the variant at `variantIndex`: one pair per style, the kinds
 * taking turns (style n serves kind (n + variantIndex) mod k, so the next variant shifts them), then
 * one pair with the first style for each kind no style got. No styles (an image without Python): one
 * pair per kind; no kinds (a proxy): one pair with neither.
 */
export function pairStylesWithAppKinds(
  styles: readonly DependencyStyle[],
  kinds: readonly AppKind[],
  variantIndex: number,
): StyleAndKind[] {
  const styleList = styles.length ? styles : [null];
  if (kinds.length === 0) return styleList.map((dependencyStyle) => ({ dependencyStyle, appKind: null }));
  const pairs = styleList.map((dependencyStyle, index) => ({ dependencyStyle, appKind: kinds[(index + variantIndex) % kinds.length]! }));
  const leftOut = kinds.filter((kind) => !pairs.some((pair) => pair.appKind === kind));
  return [...pairs, ...leftOut.map((appKind) => ({ dependencyStyle: styleList[0]!, appKind }))];
}
