import { checkNames, type CheckName } from "../manifest/schema.ts";
import { countOf, countStatuses, describeCheckCounts, describeCounts } from "./count-statuses.ts";
import { describeShard } from "./describe-shard.ts";
import { formatDuration } from "./format-duration.ts";
import { describeCellSources, sourceLabels } from "../sources/sources.ts";
import type { CellReport, CheckResult, MatrixReport, Status } from "./report-types.ts";
import { renderTiming } from "./render-timing.ts";
import { statusMarks } from "./status-marks.ts";

/**
 * The report as a person reads it: how the run went, then one table per template (a row per
 * variant, a column per check), then the detail of everything that did not pass.
 */
export function renderMarkdown(report: MatrixReport): string {
  const byTemplate = Map.groupBy(report.cells, (cell) => cell.template);
  const sections = [...byTemplate.values()].map(renderTemplate);
  const none = report.shard && !report.shard.cellsByShard[report.shard.index - 1]?.length ? `This run is ${describeShard(report.shard)}.` : "No cell finished.";
  return [...renderHeader(report), ...(sections.length > 0 ? sections : [none])].join("\n\n") + "\n";
}

function renderHeader(report: MatrixReport): string[] {
  const { cells, checks } = countStatuses(report);
  const seconds = (Date.parse(report.finishedAt) - Date.parse(report.startedAt)) / 1000;
  const notFinished = report.incomplete?.cellsNotFinished ?? [];
  const result = report.complete
    ? `**Result: complete.** Cells: ${describeCounts(cells)}. Checks: ${describeCheckCounts(checks)}.`
    : `> **Result: INCOMPLETE.** The run ${report.incomplete ? `stopped early (${report.incomplete.reason})` : "was interrupted"}; ` +
      `only the ${countOf(report.cells.length, "cell")} below finished. Cells: ${describeCounts(cells)}. Checks: ${describeCheckCounts(checks)}.` +
      (notFinished.length ? `\n>\n> Not finished, so not in this report: ${notFinished.map((id) => `\`${id}\``).join(", ")}.` : "");
  const facts = [
    ...(report.shard ? [`- Shard: ${describeShard(report.shard)} (a hash of each cell's id picks its shard)`] : []),
    ...renderSources(report),
    `- Engine: ${report.engine}`,
    ...(report.checksSelected ? [`- Checks: only ${report.checksSelected.map((name) => `\`${name}\``).join(", ")} were selected; the manifests' other checks did not run`] : []),
    `- Started ${report.startedAt}, finished ${report.finishedAt} (${formatDuration(seconds)})`,
    ...renderLocalSources(report.localSources),
  ];
  const legend = `Legend: ${statusMarks.pass} pass · ${statusMarks.fail} fail · ${statusMarks.skip} skip · — no result. Sizes in MB (10^6 bytes).`;
  return [`# dockerize-python template matrix${report.complete ? "" : " (INCOMPLETE)"}`, result, facts.join("\n"), legend];
}

/** One line per kind of source: which served the run, and why (--mode, or what detection found). */
function renderSources(report: MatrixReport): string[] {
  if (!report.sources) return [`- Sources: not decided (--mode ${report.requestedMode}; the run stopped first)`];
  const { baseImages, pythonPackages, goModules } = report.sources;
  return [
    `- Sources (--mode ${report.requestedMode}):`,
    `  - base images: **${sourceLabels[baseImages.kind]}** (${baseImages.reason})`,
    `  - Python packages: **${sourceLabels[pythonPackages.kind]}** (${pythonPackages.reason})`,
    `  - Go modules: **${sourceLabels[goModules.kind]}** (${goModules.reason})`,
  ];
}

function renderLocalSources(local: MatrixReport["localSources"]): string[] {
  if (!local) return [];
  const reuse = (reused: boolean) => (reused ? "reused" : "built");
  return [
    "- Stand-in base images:",
    ...(local.standins.length > 0
      ? local.standins.map(
          (standin) => `  - \`${standin.official}\` → \`${standin.image}\` (${reuse(standin.reused)}${standin.digestNotHonoured ? `; digest not honoured: ${standin.digestNotHonoured}` : ""})`,
        )
      : ["  - none"]),
    "- Local package indexes:",
    ...(local.packageIndexes.length > 0
      ? local.packageIndexes.map((index) => `  - ${index.suite}: ${index.packages} packages (${reuse(index.reused)})`)
      : ["  - none"]),
  ];
}

function renderTemplate(cells: CellReport[]): string {
  const first = cells[0];
  if (!first) return "";
  const present = new Set(cells.flatMap((cell) => cell.checks.map((check) => check.name)));
  const columns = checkNames.filter((name) => present.has(name));
  const header = ["Variant", "Python", "Deps", "App", "Platform", "Sources", "Status", "Size / budget (MB)", "Layers (added)", "Added (MB)", "User", "Build (s)", ...columns];
  const align = ["---", "---", "---", "---", "---", "---", "---", "---:", "---:", "---:", "---", "---:", ...columns.map(() => ":---:")];
  const rows = cells.map((cell) => [
    cell.variant,
    cell.python ?? "—",
    cell.dependencyStyle ?? "—",
    cell.appKind ?? "—",
    cell.platform ?? "—",
    describeCellSources(cell.sources),
    mark(cell.status),
    `${cell.sizeBytes === null ? "—" : megabytes(cell.sizeBytes)} / ${megabytes(cell.sizeBudgetBytes)}`,
    cell.layers === null ? "—" : `${cell.layers} (${cell.addedLayers ?? "?"})`,
    cell.addedBytes === null ? "—" : megabytes(cell.addedBytes),
    cell.user ?? "—",
    cell.buildSeconds === null ? "—" : cell.buildSeconds.toFixed(1),
    ...columns.map((name) => checkMark(cell, name)),
  ]);
  const table = [header, align, ...rows].map((row) => `| ${row.map(escapeCell).join(" | ")} |`).join("\n");
  const details = renderDetails(cells);
  const timing = renderTiming(cells);
  return [`## ${first.template} ${first.templateVersion}`, table, ...(details ? [details] : []), ...(timing ? [timing] : [])].join("\n\n");
}

/**
 * Every cell and check that did not pass, with its reason: what a person reads after the table. A
 * cell is named by its variant and dependency style (py3.11-pipenv), and the checks of a cell that
 * did not run for one reason (a skipped cell, a failed build) are one item, not one each.
 */
function renderDetails(cells: CellReport[]): string | undefined {
  const items = cells.flatMap((cell) => {
    const name = `\`${cell.id.slice(cell.template.length + 1)}\``;
    const notPassing = cell.checks.filter((check) => check.status !== "pass");
    const byDetail = Map.groupBy(notPassing, (check) => `${check.status}\n${check.detail}`);
    return [
      ...(cell.status === "pass" ? [] : [detailItem(name, cell.status, cell.reason ?? "no reason given")]),
      ...[...byDetail.values()].map((checks) => {
        const [first] = checks as [CheckResult, ...CheckResult[]];
        const which = checks.length === 1 ? `\`${first.name}\`` : `${checks.length} checks (${checks.map((check) => check.name).join(", ")})`;
        const detail = first.detail === `not run: ${cell.reason}` ? "not run, for the cell's reason above" : first.detail;
        return detailItem(`${name} › ${which}`, first.status, detail);
      }),
    ];
  });
  return items.length > 0 ? `### Not passing\n\n${items.join("\n")}` : undefined;
}

function detailItem(what: string, status: Status, detail: string): string {
  const text = detail.trim();
  if (!text.includes("\n")) return `- ${what} ${mark(status)}: ${text}`;
  // A multi-line detail (a build log's tail) keeps its lines, in a block under its item.
  const fence = text.includes("```") ? "~~~" : "```";
  return `- ${what} ${mark(status)}:\n\n  ${fence}\n${text.replace(/^/gm, "  ")}\n  ${fence}\n`;
}

function checkMark(cell: CellReport, name: CheckName): string {
  const check = cell.checks.find((candidate) => candidate.name === name);
  return check ? statusMarks[check.status] : "—";
}

const mark = (status: Status) => `${statusMarks[status]} ${status}`;
const megabytes = (bytes: number) => (bytes / 1_000_000).toFixed(1);
const escapeCell = (text: string) => text.replace(/\|/g, "\\|").replace(/\s*\n\s*/g, " ");
