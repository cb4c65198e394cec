export { ExplainedError } from "./explained-error.ts";
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
export { mergeReports } from "./report/merge-reports.ts";
export { renderTemplatesTable, replaceTemplatesTable, templatesTableMarkers } from "./docs/render-templates-table.ts";

export type { CheckContext, CheckOutcome, StaticCheckContext, TemplateFiles } from "./checks/check.ts";
export { checks, staticCheckNames } from "./checks/registry.ts";
export { lint } from "./checks/lint.ts";
export { caddyModulesUsed } from "./caddy/caddy-modules-used.ts";
export type { DockerfileRule } from "./lint/dockerfile-rule.ts";
export { dockerfileRules, lintDockerfile } from "./lint/dockerfile-rules.ts";
export { formatFinding, type LintFinding } from "./lint/lint-finding.ts";
export { type LintReport, lintTemplate, type LintTemplateRequest } from "./lint/lint-template.ts";
export { templateFileKinds } from "./lint/template-file-kinds.ts";

export { deriveEjectedDockerfile, EjectDerivationError, type EjectRequest, triggerStageName } from "./eject/derive-ejected-dockerfile.ts";
export { type EjectedFile, ejectOnbuild, type EjectOnbuildOptions, type EjectOnbuildResult, EjectWouldOverwriteError, UnknownPythonError } from "./eject/eject-onbuild.ts";
export { ensureRegistryImage, type LocalRegistry, pushImage, registryImage, startLocalRegistry } from "./registry/start-local-registry.ts";
