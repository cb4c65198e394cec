import { describeCellSources } from "../sources/sources.ts";
import { formatDuration } from "./format-duration.ts";
import type { MatrixReport } from "./report-types.ts";

/**
 * A line per run being merged, saying what it did: a run that started before `jobStarted` is one
 * turbo restored from its cache (its template, the sample app and the harness are unchanged since),
 * so nothing of it was built again; a run of this job says which sources served its cells, and
 * which stand-ins and package indexes it reused and which it had to build.
 */
export function describeMergedRuns(reports: readonly MatrixReport[], jobStarted: Date): string[] {
  return reports.map((report) => {
    const templates = [...new Set(report.cells.map((cell) => cell.template))].join(", ") || "(no cells)";
    const took = formatDuration((Date.parse(report.finishedAt) - Date.parse(report.startedAt)) / 1000);
    if (Date.parse(report.startedAt) < jobStarted.getTime()) {
      return `${templates}: unchanged since its run of ${report.startedAt} (${took}): turbo's cache hit restored that report; nothing was built or run again.`;
    }
    return `${templates}: verified by this job (${took}); ${describeCellsSources(report)}${describeLocalReuse(report)}.`;
  });
}

/** Which sources served the run's cells: "base images: registry; Python packages: PyPI" (each distinct set once). */
function describeCellsSources(report: MatrixReport): string {
  const described = [...new Set(report.cells.map((cell) => describeCellSources(cell.sources)))];
  return described.length ? `sources: ${described.join(" | ")}` : "no cell";
}

function describeLocalReuse(report: MatrixReport): string {
  const kinds = [
    { what: "stand-ins", items: report.localSources?.standins ?? [] },
    { what: "package indexes", items: report.localSources?.packageIndexes ?? [] },
  ].filter(({ items }) => items.length > 0);
  return kinds
    .map(({ what, items }) => {
      const reused = items.filter((item) => item.reused).length;
      return `; ${what}: ${reused} reused, ${items.length - reused} built`;
    })
    .join("");
}
