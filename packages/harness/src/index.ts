export { BuildFailedError } from "./docker/build-image.ts";
export { DockerCommandError, DockerEngineUnavailableError } from "./docker/run-docker.ts";

export { discoverTemplates, NoTemplatesError, selectTemplates, UnknownTemplateError } from "./manifest/discover-templates.ts";
export { type LoadedTemplate, loadTemplate } from "./manifest/load-manifest.ts";
export { ManifestError, type ManifestProblem } from "./manifest/manifest-error.ts";
export {
  type BuildArg,
  buildArgRoles,
  type CheckName,
  checkNames,
  type TemplateManifest,
  templateManifestSchema,
  type Variant,
} from "./manifest/schema.ts";

export type { Cell } from "./matrix/cell.ts";
export { expandMatrix } from "./matrix/expand-matrix.ts";
export { runMatrix } from "./matrix/run-matrix.ts";
export type { MatrixProgressEvent, MatrixProgressListener, MatrixRunResult, RunMatrixOptions } from "./matrix/run-matrix-types.ts";

export { formatDuration } from "./report/format-duration.ts";
export { renderMarkdown } from "./report/render-markdown.ts";
export type { CellReport, CheckResult, MatrixReport, Mode, Status } from "./report/report-types.ts";
export { statusMarks } from "./report/status-marks.ts";
export { summarizeReport } from "./report/summarize-report.ts";
export { type ReportFiles, writeReport } from "./report/write-report.ts";
