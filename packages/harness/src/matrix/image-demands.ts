import { isStaticCheck } from "../checks/registry.ts";
import type { ImageDemand } from "../sources/prepare-build-environment.ts";
import { baseImagePlatform } from "./cell-build-args.ts";
import { caddyImageToLintWith } from "./cell-check-context.ts";
import type { CellToVerify } from "./cell-to-verify.ts";

/**
 * Every image any cell builds FROM or runs (its base images, for its platform but those its manifest
 * builds on the build platform; its companions' and its database, the engine's own), with what its
 * variant needs beyond them: the build environment leaves out what it cannot meet. A cell `--check`
 * left no check builds nothing. The caddy that lint validates Caddyfiles with needs nothing: a cell
 * lints even where it cannot be built.
 */
export function imageDemands(cells: readonly CellToVerify[]): ImageDemand[] {
  const withChecks = cells.filter((cell) => cell.checks.length);
  const lintCaddies = withChecks.filter((cell) => cell.checks.includes("lint")).map(caddyImageToLintWith).filter((image) => image !== undefined);
  return [
    ...withChecks.flatMap((cell) => {
      const needs = cell.needs ? { needs: cell.needs } : {};
      const beside = [
        ...cell.companions.flatMap((companion) => Object.values(companion.manifest.variants[0]!.baseImages)),
        ...(cell.template.manifest.stack ? [cell.template.manifest.stack.database] : []),
      ];
      if (!cell.platform) return [{ images: [...Object.values(cell.baseImages), ...beside], ...needs }];
      // An emulated platform's image costs minutes to make: a cell that builds nothing (its checks all static) asks none.
      if (cell.checks.every(isStaticCheck)) return [];
      // A base image built on the build platform (a cross-compiler) is the engine's own, as its stack's are.
      const own = Object.entries(cell.baseImages);
      const onPlatform = own.filter(([arg]) => baseImagePlatform(cell, arg)).map(([, ref]) => ref);
      const native = [...own.filter(([arg]) => !baseImagePlatform(cell, arg)).map(([, ref]) => ref), ...beside];
      return [{ images: onPlatform, platform: cell.platform, ...needs }, ...(native.length ? [{ images: native, ...needs }] : [])];
    }),
    ...(lintCaddies.length ? [{ images: [...new Set(lintCaddies)] }] : []),
  ];
}

