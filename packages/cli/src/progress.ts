import { type CellReport, formatDuration, type MatrixProgressListener, statusMarks } from "@dockerize-python/harness";

/**
 * Shows a matrix run as it goes, one line per event, for a terminal or a CI log:
 * `[2/4] slim-uwsgi/py3.13 building... (+1.2 s)`, then `[2/4] slim-uwsgi/py3.13 ✅ pass in 48.0 s ...`.
 */
export function renderProgress(
  write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  now: () => number = () => performance.now(),
): MatrixProgressListener {
  const cells = new Map<string, { position: string; startedAt: number }>();
  const elapsed = (id: string) => formatDuration((now() - (cells.get(id)?.startedAt ?? now())) / 1000);
  const prefix = (id: string) => `${cells.get(id)?.position ?? "[?]"} ${id}`;

  return (event) => {
    switch (event.kind) {
      case "phase":
        write(`==> ${event.message}`);
        break;
      case "log":
        write(`    ${event.message}`);
        break;
      case "cell-start": {
        cells.set(event.cell.id, { position: `[${event.index + 1}/${event.total}]`, startedAt: now() });
        const python = event.cell.python ? `Python ${event.cell.python}, ` : "";
        write(`${prefix(event.cell.id)} starting (${python}template ${event.cell.template.name} ${event.cell.template.version})`);
        break;
      }
      case "cell-step":
        write(`${prefix(event.cell.id)} ${event.message} (+${elapsed(event.cell.id)})`);
        break;
      case "cell-done": {
        const { report } = event;
        const size = report.sizeBytes === null ? "" : `, ${megabytes(report.sizeBytes)} of ${megabytes(report.sizeBudgetBytes)} MB`;
        const why = report.status === "pass" ? "" : `: ${firstLine(report.reason ?? report.checks.find((check) => check.status !== "pass")?.detail ?? "")}`;
        write(`${prefix(event.cell.id)} ${statusMarks[report.status]} ${report.status} in ${elapsed(event.cell.id)}${size}${why}`);
        if (report.status === "fail") for (const line of failureDetail(report)) write(`    ${line}`);
        break;
      }
    }
  };
}

const megabytes = (bytes: number) => (bytes / 1_000_000).toFixed(1);
const firstLine = (text: string) => text.trim().split("\n")[0] ?? "";

/** How many lines of a failure's detail the console shows; the report has all of it. */
const detailLines = 60;

/**
 * What a person needs to see on the console when a cell fails, under its status line: the rest of
 * the reason (a failed build's step and log tail), then the first line of each failing check.
 */
function failureDetail(report: CellReport): string[] {
  const rest = (report.reason ?? "").trim().split("\n").slice(1);
  const checks = report.checks.filter((check) => check.status === "fail").map((check) => `check ${check.name}: ${firstLine(check.detail)}`);
  return [...rest.slice(0, detailLines), ...(rest.length > detailLines ? [`... (${rest.length - detailLines} more lines in the report)`] : []), ...checks];
}
