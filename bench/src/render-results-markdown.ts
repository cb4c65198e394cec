import { renderCellTimes } from "./render-cell-times.ts";
import { formatRatio, formatValue, metrics } from "./metrics.ts";
import { type BenchResults, peersOf, type SubjectResult } from "./results.ts";
import type { Summary } from "./stats.ts";

/** Marks the hand-written block of results.md that a new run keeps as it is. */
export const notesMarkers = { start: "<!-- notes: hand-written, kept by every run -->", end: "<!-- /notes -->" } as const;

const defaultNotes = "_None yet. After a full run, say here why each missed target was missed and what would close it._";

/**
 * results.md: the machine, the method, every figure, the ratios, the targets, the matrix; `notes`
 * kept from the last file. `repoRoot`: the repository's root, relative to where results.md is.
 */
export function renderResultsMarkdown(results: BenchResults, notes: string | undefined, repoRoot = ".."): string {
  const { machine } = results;
  const lines: string[] = [];
  const push = (...more: string[]) => lines.push(...more);
  push(
    "# Benchmark: our templates beside the Dockerfiles users would otherwise write",
    "",
    `Written by \`${results.command}\` (bench/README.md says how to run it). Each figure is the median of ${results.runs} run${results.runs === 1 ? "" : "s"}, with min–max.`,
  );
  if (results.quick) push("", "> **--quick run: 1 run and a short load, for developing the benchmark. These figures are not results to publish.**");
  push(
    "",
    "## Machine",
    "",
    "| CPU | cores | RAM | kernel | Docker | Node | load average (1 min) at start / end | date |",
    "| --- | --- | --- | --- | --- | --- | --- | --- |",
    `| ${machine.cpuModel} | ${machine.cores} | ${(machine.ramBytes / 2 ** 30).toFixed(1)} GiB | ${machine.kernel} | ${machine.docker} | ${machine.node} | ${machine.loadAverage.start.toFixed(2)} / ${machine.loadAverage.end?.toFixed(2) ?? "—"} | ${results.startedAt.slice(0, 10)} (${results.startedAt} – ${results.finishedAt}) |`,
    "",
    "## What was measured, and how",
    "",
    ...Object.entries(results.method).map(([what, how]) => `- **${what}**: ${how}`),
    "",
    "## The subjects",
    "",
    "| subject | kind | app | Dockerfile | what it is | server |",
    "| --- | --- | --- | --- | --- | --- |",
    ...results.subjects.map((s) => `| ${s.id} | ${s.kind} | ${s.app ?? "flask"} | [${s.dockerfile}](${repoRoot}/${s.dockerfile}) | ${s.description} | ${s.server} |`),
    ...(results.skipped?.length ? ["", "Not measured in this run:", "", ...results.skipped.map((skip) => `- **${skip.subject}**: ${skip.reason}`)] : []),
    "",
    "## Figures",
    "",
    `| figure | ${results.subjects.map((s) => s.id).join(" | ")} |`,
    `| --- | ${results.subjects.map(() => "---").join(" | ")} |`,
    ...metrics.map((metric) => `| ${metric.label} (${metric.better} is better) | ${results.subjects.map((s) => cell(s.figures[metric.id], (v) => formatValue(metric, v))).join(" | ")} |`),
    "",
    ...subjectFacts(results.subjects),
    "",
    "## Ours / peer",
    "",
    "![ours/peer ratios](results.svg)",
    "",
  );
  for (const ours of results.subjects.filter((s) => s.kind === "ours")) {
    const peers = peersOf(ours, results.subjects);
    if (!peers.length) continue;
    push(`**${ours.id}** / peer (below 1× is smaller or faster, except requests/s):`, "", `| figure | ${peers.map((p) => `/ ${p.id}`).join(" | ")} |`, `| --- | ${peers.map(() => "---").join(" | ")} |`);
    for (const metric of metrics) {
      const row = peers.map((peer) => results.ratios.find((r) => r.ours === ours.id && r.peer === peer.id && r.metric === metric.id));
      push(`| ${metric.label} | ${row.map((r) => (r ? formatRatio(r.ratio) : "—")).join(" | ")} |`);
    }
    push("");
  }
  push(
    "## Targets (measured, not asserted)",
    "",
    "| target | subject | measured (medians) | status | margin |",
    "| --- | --- | --- | --- | --- |",
    ...results.targets.map((t) => `| ${t.target} | ${t.subject} | ${t.measured} | ${t.status === "met" ? "✅ met" : t.status === "missed" ? "❌ missed" : "— not measured"} | ${t.margin} |`),
    "",
    "## The matrix itself",
    "",
  );
  if (!results.matrix) {
    push("Not measured in this run (--skip-matrix).");
  } else {
    const { matrix } = results;
    const separately = matrix.benchCommand !== results.command;
    push(
      `Wall time of \`${matrix.command}\`, the main command, from the repository's root; ${matrix.runs} run${matrix.runs === 1 ? "" : "s"} per scenario` +
        `${matrix.runs === 1 ? " (one run: a figure, not a median)" : ", median with min–max"}. ` +
        `Timed ${separately ? `separately, by \`${matrix.benchCommand}\`, ` : ""}${matrix.startedAt} – ${matrix.finishedAt}` +
        `${separately ? `, on ${matrix.machine.cpuModel}, ${matrix.machine.cores} cores, Docker ${matrix.machine.docker}` : ""}:`,
      "",
      "| scenario | wall time | exit codes | what |",
      "| --- | --- | --- | --- |",
      ...matrix.scenarios.map((s) => `| ${s.id} | ${cell(s.seconds, formatSeconds)} | ${s.exitCodes.join(", ")} | ${s.description} |`),
    );
    if (!matrix.scenarios.some((s) => s.id === "cold")) {
      push("", "Cold (no stand-ins, no cache) was not measured: it removes shared caches, so it runs only with `--matrix-cold` (see bench/README.md).");
    }
    if (matrix.cellTimes) push("", ...renderCellTimes(matrix.cellTimes, cell, formatSeconds));
  }
  push("", "## Notes", "", notesMarkers.start, notes?.trim() || defaultNotes, notesMarkers.end, "");
  return lines.join("\n");
}

/** The hand-written notes of an earlier results.md, to carry into the new one. */
export function keptNotes(previous: string | undefined): string | undefined {
  if (!previous) return undefined;
  const start = previous.indexOf(notesMarkers.start);
  const end = previous.indexOf(notesMarkers.end);
  if (start < 0 || end < start) return undefined;
  const notes = previous.slice(start + notesMarkers.start.length, end).trim();
  return notes === defaultNotes ? undefined : notes;
}

const formatSeconds = (seconds: number) => (seconds >= 120 ? `${(seconds / 60).toFixed(1)} min` : `${seconds.toFixed(1)} s`);

function cell(summary: Summary | null, format: (value: number) => string): string {
  if (!summary) return "—";
  return summary.runs.length > 1 ? `${format(summary.median)} (${format(summary.min)}–${format(summary.max)})` : format(summary.median);
}

/** What explains the build figures: what a code-only change ran again, layers changed, load errors. */
function subjectFacts(subjects: readonly SubjectResult[]): string[] {
  const lines = ["What a code-only change did, per subject (first run):", ""];
  for (const subject of subjects) {
    const first = subject.samples[0];
    if (!first) continue;
    const reruns = first.codeRebuildReruns.length ? `re-ran ${first.codeRebuildReruns.map((step) => `\`${step}\``).join(", ")}` : "re-ran no RUN step";
    const base = first.baseBuildSeconds === null ? "" : `; the onbuild base (built once per Python and pulled by every app) took ${first.baseBuildSeconds.toFixed(1)} s with the cache`;
    const errors = subject.samples.some((s) => s.loadErrors || s.loadNon2xx)
      ? `; under load: ${subject.samples.map((s) => `${s.loadErrors} errors, ${s.loadNon2xx} non-2xx`).join(" / ")}`
      : "";
    lines.push(`- **${subject.id}**: ${reruns}; ${first.codeChangeLayers} layer(s) changed, ${(first.codeChangeLayerBytes / 1e6).toFixed(2)} MB uncompressed${base}${errors}.`);
  }
  return lines;
}
