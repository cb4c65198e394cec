import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { ExplainedError } from "../explained-error.ts";
import { pathExists } from "../files/path-exists.ts";
import type { AppKind, CheckName } from "../manifest/schema.ts";
import type { LoadedTemplate } from "../manifest/load-manifest.ts";
import type { RequestedMode } from "../sources/sources.ts";
import { oneAppForEveryKind } from "../matrix/cell-apps.ts";
import { runMatrix } from "../matrix/run-matrix.ts";
import type { MatrixProgressListener, MatrixRunResult } from "../matrix/run-matrix-types.ts";
import type { AppProbe } from "../stack/app-probe.ts";
import type { RunIdentity } from "../stack/run-labels.ts";
import { readScaffoldRecord, type ScaffoldRecord } from "../scaffold/scaffold-record.ts";
import { loadTemplateSet, type TemplateSource } from "../template-source/load-template-set.ts";
import { appEnvironment, readAppEnvFile } from "./app-environment.ts";
import { appTargetVariables, targetKindOf } from "../scaffold/detect-wsgi-apps.ts";
import { detectAppKind } from "../scaffold/detect-app-kind.ts";
import { detectDjangoProject } from "../scaffold/detect-django-project.ts";
import { appProbe } from "./choose-app-probe.ts";
import { hasSampleAppRoutes, sampleRouteSkips } from "./sample-routes.ts";

export interface VerifyAppOptions {
  /** The app's root, holding `.dockerize-python.json`. */
  appDir: string;
  /** Where matrix.json and matrix.md are written. */
  reportDir: string;
  mode: RequestedMode;
  /** Only these variants of the template (`py3.13`); all of them when absent or empty. */
  variants?: string[];
  /** Only these of the template's checks (see RunMatrixOptions.checks); all of them when absent or empty. */
  checks?: CheckName[];
  /** Where to fetch the recorded templates from instead of the recorded source (a moved checkout, a registry's new URL). */
  source?: TemplateSource;
  /** Where fetched packages are kept; the harness's cache when absent. */
  cacheDir?: string;
  /**
   * How the checks know the app serves (`--probe /path`, `--expect TEXT`); when absent, see appProbe:
   * the sample app's, else the path of the env file's HEALTHCHECK_URL, else GET /.
   */
  probe?: AppProbe;
  /** How many checks run side by side (see RunMatrixOptions.jobs); 1 when absent. */
  jobs?: number;
  /** The label the run's containers and networks carry (see RunMatrixOptions.run). */
  run?: RunIdentity;
  signal?: AbortSignal;
}

/** The recorded template is no longer what its source has (a checkout moved on to another version). */
export class RecordedVersionUnavailableError extends ExplainedError {
  constructor(template: string, recorded: string, found: string, source: TemplateSource) {
    const where = source.kind === "checkout" ? `the checkout ${source.path}` : `the registry ${source.registry}`;
    super(
      `The app was copied from ${template} ${recorded}, but ${where} has ${template} ${found}: its checks are not the ones your files were copied with.\n` +
        `Fix: see what changed with dockerize-python diff, then copy the new version (dockerize-python new ${template} --force, after saving your edits), or pass --from a checkout of ${recorded}.`,
    );
  }
}

/** A file the template's manifest builds from is missing from the app. */
export class MissingTemplateFileError extends ExplainedError {
  constructor(appDir: string, path: string, template: string) {
    super(
      `The app in ${appDir} has no ${path}, which ${template} builds from: verify builds the app's own copies of the template's files.\n` +
        `Fix: restore it (from version control, or dockerize-python new ${template} --force, which rewrites the template's files).`,
    );
  }
}

/**
 * Runs the checks of the template recorded in the app's `.dockerize-python.json` on the app, with
 * PostgreSQL and Caddy, through the matrix runner: one cell per variant, in the app's dependency
 * style. The image is built from the app's own copies of the template's files (edited or not),
 * never fresh ones: the manifest comes from the recorded package version (fetched, or from the
 * cache), the files from the app. The app runs with its own `.env` (else `.env.example`), with
 * the stack's database; its static folder is the recorded one. Checks that need the sample app's
 * routes are reported as skip with the reason when the app does not have them.
 */
export async function verifyApp(options: VerifyAppOptions, progress: MatrixProgressListener): Promise<MatrixRunResult> {
  const appDir = resolve(options.appDir);
  const record = await readScaffoldRecord(appDir);
  const source = options.source ?? record.source;
  const versions = Object.fromEntries(record.templates.map((template) => [template.name, template.version]));
  const set = await loadTemplateSet({ name: record.template, source, versions, cwd: appDir, cacheDir: options.cacheDir });
  for (const template of set.templates) {
    if (versions[template.name] !== undefined && versions[template.name] !== template.version) {
      throw new RecordedVersionUnavailableError(template.name, versions[template.name]!, template.version, source);
    }
  }
  const main = set.templates[0]!;
  // Decided before anything is laid out: a HEALTHCHECK_URL that is no URL stops here.
  const envFile = await readAppEnvFile(appDir);
  const sampleRoutes = await hasSampleAppRoutes(appDir);
  const probe = appProbe({ given: options.probe, hasSampleAppRoutes: sampleRoutes, envFile });

  const work = await mkdtemp(join(tmpdir(), "dockerize-python-verify-"));
  try {
    const templatesDir = join(work, "templates");
    const appKind = await servedKindOf(appDir, main.manifest.appKinds);
    for (const template of set.templates) await layOutAppCopies(template, record, appDir, join(templatesDir, template.name), appKind);
    const style = record.settings.dependencyStyle;
    const variants = options.variants?.length ? options.variants : ["*"];
    return await runMatrix(
      {
        templatesDir,
        // The user's app, whatever kind of app a cell serves.
        appDirs: oneAppForEveryKind(appDir),
        reportDir: options.reportDir,
        templates: [main.name],
        cells: variants.map((variant) => `${main.name}/${variant}${style ? `-${style}` : ""}`),
        mode: options.mode,
        checks: options.checks,
        appEnv: appEnvironment(envFile, record.settings.wsgiApp, appTargetVariables[targetKindOf(main.manifest.appKinds)]),
        probe,
        staticDir: record.settings.staticDir,
        skipChecks: sampleRoutes ? undefined : sampleRouteSkips(),
        jobs: options.jobs,
        run: options.run,
        signal: options.signal,
      },
      progress,
    );
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * The one kind of app verify's cells serve, of those the template serves: the user's app's own (a
 * Django project, else the framework its code imports), else the template's main kind. Undefined
 * for a template that serves none (a proxy).
 */
export async function servedKindOf(appDir: string, served: readonly AppKind[] | undefined): Promise<AppKind | undefined> {
  if (!served?.length) return undefined;
  if (served.includes("django") && (await detectDjangoProject(appDir))) return "django";
  const detected = await detectAppKind(appDir);
  return detected && served.includes(detected.kind) ? detected.kind : served[0];
}

/**
 * A template folder whose manifest and package.json are the recorded package's and whose files/
 * are the app's own copies of that template's files: what the matrix runner lays over the app is
 * then exactly what the app has, and `lint` reads the app's copies. An app template's manifest
 * serves only `appKind`, the user's app's: one cell per variant, whose id names no kind (the
 * manifests' rule would otherwise give some variants' cell of the app's style another kind, and a
 * Flask app's report a `-django` cell).
 */
async function layOutAppCopies(template: LoadedTemplate, record: ScaffoldRecord, appDir: string, target: string, appKind: AppKind | undefined): Promise<void> {
  await mkdir(join(target, "files"), { recursive: true });
  await copyFile(join(template.dir, "package.json"), join(target, "package.json"));
  const manifest = JSON.parse(await readFile(join(template.dir, "template.json"), "utf8")) as { appKinds?: AppKind[] };
  if (manifest.appKinds && appKind) manifest.appKinds = [appKind];
  await writeFile(join(target, "template.json"), `${JSON.stringify(manifest, null, 2)}\n`);
  for (const [path, copied] of Object.entries(record.files)) {
    if (copied.template !== template.name || !copied.from.startsWith("files/")) continue;
    const own = join(appDir, path);
    if (!(await pathExists(own))) {
      if (path === template.manifest.dockerfile || path === template.manifest.compose) throw new MissingTemplateFileError(appDir, path, template.name);
      // A file the user removed (a .dockerignore, say): the app is verified without it, as it builds.
      continue;
    }
    await mkdir(dirname(join(target, "files", path)), { recursive: true });
    await copyFile(own, join(target, "files", path));
  }
}
