import { ExplainedError } from "../explained-error.ts";
import type { CheckName } from "../manifest/schema.ts";
import type { Cell } from "./cell.ts";

type CellChecks = Pick<Cell, "checks"> & { template: Pick<Cell["template"], "name"> };

/**
 * Narrows each cell's checks to `selected` (`--check`; every check its manifest lists when absent
 * or empty). A selected check that no cell's manifest lists is an error, before anything is built:
 * run, it would have proved nothing. A cell left with no check is verifyCell's to report as skip.
 */
export function selectChecks<C extends CellChecks>(cells: readonly C[], selected: readonly CheckName[] | undefined): C[] {
  if (!selected?.length) return [...cells];
  const unlisted = selected.filter((name) => !cells.some((cell) => cell.checks.includes(name)));
  if (unlisted.length) {
    const names = unlisted.map((name) => `"${name}"`).join(", ");
    const lists = [...new Map(cells.map((cell) => [cell.template.name, cell.checks])).entries()].map(([template, checks]) => `  ${template}: ${checks.join(", ")}`);
    throw new ExplainedError(
      `--check ${unlisted.join(", --check ")}: ${unlisted.length === 1 ? "the check" : "the checks"} ${names} ${unlisted.length === 1 ? "is" : "are"} listed by no selected cell's manifest, so nothing would run ${unlisted.length === 1 ? "it" : "them"}. The manifests' checks:\n${lists.join("\n")}\n` +
        `Fix: drop --check ${unlisted.join(", --check ")} (or select a template that lists it); to run a check a template does not list, add it to the "checks" of a copy of its template.json and run the matrix with --templates on the copy.`,
    );
  }
  return cells.map((cell) => ({ ...cell, checks: cell.checks.filter((name) => selected.includes(name)) }));
}

/** Why a cell that `--check` left no check of its manifest's is skipped. */
export function noCheckSelected(selected: readonly CheckName[] | undefined): string {
  return `none of the selected checks (${(selected ?? []).join(", ")}) is listed by its manifest`;
}
