export { ExplainedError } from "./explained-error.ts";
export { BuildFailedError } from "./docker/build-image.ts";
export { DockerCommandError, DockerEngineUnavailableError } from "./docker/run-docker.ts";
export { assertPortFree, PortInUseError } from "./stack/free-port.ts";
export { leftoverRemovalCommands, newRunIdentity, type RunIdentity, runLabelKey } from "./stack/run-labels.ts";
export { AppDirNotFoundError, assertAppDependencyFiles, MissingDependencyFileError, NoDependencyFileError } from "./staging/dependency-files.ts";

export { discoverTemplates, NoTemplatesError, selectTemplates, UnknownTemplateError } from "./manifest/discover-templates.ts";
export { type LoadedTemplate, loadTemplate } from "./manifest/load-manifest.ts";
export { ManifestError, type ManifestProblem } from "./manifest/manifest-error.ts";
export { type BaseImageProposal, type BaseImageUse, baseImageUses, proposeBaseUpdates } from "./base-updates/propose-base-updates.ts";
export { NoDefaultRegistryError } from "./base-updates/registry-for-reference.ts";
export { newerReleaseTag, newestPatchTag } from "./base-updates/tag-lines.ts";
export { writeBaseUpdates, type WrittenBaseUpdates } from "./base-updates/write-base-updates.ts";
export {
  digestOf,
  formatImageReference,
  type ImageReference,
  imageReferenceProblem,
  InvalidImageReferenceError,
  parseImageReference,
  withoutDigest,
} from "./manifest/image-reference.ts";
export {
  type BuildArg,
  buildArgRoles,
  type CheckName,
  checkNames,
  emulatedPlatformChecks,
  type TemplateManifest,
  templateManifestSchema,
  type Variant,
} from "./manifest/schema.ts";

export type { Cell } from "./matrix/cell.ts";
export { expandMatrix, pairStylesWithAppKinds } from "./matrix/expand-matrix.ts";
export { imageDemands } from "./matrix/image-demands.ts";
export { type AppDirs, assertCellApps, cellAppDir, NoAppForKindError, oneAppForEveryKind, sampleAppDirs } from "./matrix/cell-apps.ts";
export { runMatrix } from "./matrix/run-matrix.ts";
export type { Shard } from "./matrix/shard-cells.ts";
export type { MatrixProgressEvent, MatrixProgressListener, MatrixRunResult, RunMatrixOptions } from "./matrix/run-matrix-types.ts";

export { formatDuration } from "./report/format-duration.ts";
export { renderMarkdown } from "./report/render-markdown.ts";
export type { CellReport, CheckResult, IncompleteRun, MatrixReport, ShardOfRun, Status } from "./report/report-types.ts";
export { statusMarks } from "./report/status-marks.ts";
export { summarizeReport } from "./report/summarize-report.ts";
export { type ReportFiles, writeReport } from "./report/write-report.ts";
export { mergeReports } from "./report/merge-reports.ts";
export { describeMergedRuns } from "./report/describe-merged-runs.ts";
export { type CiWorkspace, ciWorkflowPath, ciWorkflowRegenerate, renderCiWorkflow } from "./ci-workflow/render-ci-workflow.ts";
export { workspacePnpmVersion } from "./ci-workflow/workspace-pnpm-version.ts";
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
export { type EjectedFile, ejectOnbuild, type EjectOnbuildOptions, type EjectOnbuildResult, EjectWouldOverwriteError } from "./eject/eject-onbuild.ts";
export { UnknownPythonError } from "./manifest/unknown-python-error.ts";

export { type AppKind, appKinds, type DependencyStyle, dependencyStyles } from "./manifest/schema.ts";
export { templatePackageName, templatePackageScope } from "./manifest/template-package-name.ts";
export { configuredNpmRegistry, InvalidRegistryUrlError, normalizeRegistryUrl } from "./template-source/npm-registry.ts";
export { fetchTemplatePackage, type FetchTemplatePackageRequest, TemplateFetchError, TemplateVersionNotFoundError } from "./template-source/fetch-template-package.ts";
export { checkoutTemplatesDir, loadTemplateSet, type LoadTemplateSetRequest, NotATemplateCheckoutError, type TemplateSet, type TemplateSource } from "./template-source/load-template-set.ts";
export { type AppDatabase, appDatabases, type AppSettings, checkWsgiApp, defaultLayoutSettings, InvalidWsgiAppError } from "./scaffold/app-settings.ts";
export { type LayoutFlags, StaticDirNotFoundError } from "./scaffold/decide-layout-settings.ts";
export { checkDatabase, InvalidAppDirError, InvalidDatabaseError, InvalidHealthPathError } from "./scaffold/layout-flag-values.ts";
export { type Ask, decideAppSettings, type DecideAppSettingsRequest, type DecidedAppSettings, type Question } from "./scaffold/decide-app-settings.ts";
export { nextCommands } from "./scaffold/next-commands.ts";
export { AppDirMissingError, assertAppDir, scaffoldApp, type ScaffoldAppRequest, type ScaffoldResult, ScaffoldWouldOverwriteError, type WrittenFile } from "./scaffold/scaffold-app.ts";
export { NoScaffoldRecordError, readScaffoldRecord, type ScaffoldRecord, scaffoldRecordFile } from "./scaffold/scaffold-record.ts";
export { verifyApp, type VerifyAppOptions } from "./verify-app/verify-app.ts";
export { InvalidHealthcheckUrlError } from "./verify-app/choose-app-probe.ts";
export type { AppProbe } from "./stack/app-probe.ts";
export { type AppDiff, diffApp, type DiffAppOptions, type FileComparison } from "./upgrade/diff-app.ts";
export { renderAppDiff } from "./upgrade/render-app-diff.ts";

// What the benchmark (bench/) and the release rehearsal (packages/release) build on: the matrix's own
// staging, build environment and engine calls; the process runner.
export { assertDockerEngine } from "./docker/assert-docker-engine.ts";
export { runDocker } from "./docker/run-docker.ts";
export { lastLines, type OutputStream, type ProcessFailure, ProcessFailedError, type ProcessOutput, type ProcessResult, type RunningProcess, runProcess, type RunProcessOptions, runProcessWithExitCode, startProcess, type StartProcessOptions } from "./process/run-process.ts";
export { buildImage, type BuildImageRequest, type BuiltImage } from "./docker/build-image.ts";
export { isPlatform, type Platform, platformArchitecture, platforms, platformTagSuffix } from "./docker/platform.ts";
export { ensureStandin } from "./hermetic/standins.ts";
export { type ImageFacts, inspectImage } from "./docker/inspect-image.ts";
export { type CellSources, describeCellSources, describeSources, type RequestedMode, requestedModes, sourceLabels, type Sources } from "./sources/sources.ts";
export type { BuildEnvironment } from "./sources/build-environment.ts";
export { type ImageDemand, imagesToResolve, prepareBuildEnvironment, pulledPlatformTag, standinCannotHonourDigest } from "./sources/prepare-build-environment.ts";
export { stageApp } from "./staging/stage-app.ts";
export { keepOnlyDependencyStyle } from "./staging/dependency-files.ts";
export { resolvedBuildArgs, trustSecrets } from "./matrix/cell-build-args.ts";
export { sampleAppGreeting } from "./matrix/run-matrix.ts";
export { parseSteps } from "./checks/deps-layer-cached.ts";
export { removeRunResources, runResourceName } from "./stack/run-labels.ts";
export { type OpenedContent, openEntryContent, type TarEntry, tarEntries, TarReadError } from "./tar/tar-entries.ts";
export { stackDatabase, startDatabase } from "./stack/start-stack.ts";
export { type CheckContainer, ContainerProblem, startCheckContainer } from "./stack/check-container.ts";
export { type HttpAnswer, waitUntilServing } from "./stack/wait-until-serving.ts";

export { ociLabels, templateLabel } from "./checks/oci-labels.ts";
export { type BuildProvenance, buildProvenance, provenanceArgs, provenanceBuildArgs } from "./labels/build-provenance.ts";
export { baseImageTags } from "./publish/base-image-tags.ts";
export { NotABaseImageTemplateError, publishBaseImage, type PublishBaseImageOptions, type PublishBaseImageResult, type PublishedBaseImage, type PublishedPlatformImage, PushFailedError } from "./publish/publish-base-image.ts";
export { provenanceFileFor, writeImageSbom, type WriteImageSbomRequest, type WrittenImageSbom } from "./sbom/write-image-sbom.ts";
