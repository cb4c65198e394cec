import { rm } from "node:fs/promises";
import { join } from "node:path";
import type { CheckContext } from "../checks/check.ts";
import { checks } from "../checks/registry.ts";
import { BuildFailedError, buildImage, type BuildImageRequest } from "../docker/build-image.ts";
import { inspectImage } from "../docker/inspect-image.ts";
import type { BuildEnvironment } from "../hermetic/build-environment.ts";
import type { LoadedTemplate } from "../manifest/load-manifest.ts";
import type { CheckName } from "../manifest/schema.ts";
import type { CellReport, CheckResult } from "../report/report-types.ts";
import type { RunIdentity } from "../stack/run-labels.ts";
import { type RunningStack, startStack } from "../stack/start-stack.ts";
import { stageApp } from "../staging/stage-app.ts";
import type { Cell } from "./cell.ts";
import { expandMatrix } from "./expand-matrix.ts";

/** A cell with the templates it needs beside it. */
export interface CellToVerify extends Cell {
  /** The templates named in the manifest's `companions`, whose files are laid out with it. */
  companions: LoadedTemplate[];
  /** The proxy template an app is verified behind (one of the companions). */
  proxy: LoadedTemplate | undefined;
}

export interface VerifyCellOptions {
  appDir: string;
  environment: BuildEnvironment;
  run: RunIdentity;
  /** Build logs go here, one file per image. */
  logDir: string;
  /** What the app answers at `/`. */
  expectedGreeting: string;
  /** Progress within the cell: "building", "check non-root", ... */
  step(message: string): void;
  signal?: AbortSignal;
}

/**
 * Stages the app with the template's files, builds the image, and runs every check the manifest
 * lists, in the registry's order. A check that throws fails with the error's message; nothing a
 * check does is left running afterwards.
 */
export async function verifyCell(cell: CellToVerify, options: VerifyCellOptions): Promise<CellReport> {
  const { template } = cell;
  const { environment } = options;
  const manifest = template.manifest;
  const baseImages = Object.fromEntries(Object.entries(cell.baseImages).map(([arg, ref]) => [arg, environment.imageFor(ref)]));
  const image = `dockerize-python-cell/${template.name}:${cell.variant.id}`;
  const report: CellReport = {
    id: cell.id,
    template: template.name,
    templateVersion: template.version,
    python: cell.python,
    variant: cell.variant.id,
    image,
    baseImages,
    sizeBytes: null,
    sizeBudgetBytes: cell.sizeBudgetBytes,
    user: null,
    buildSeconds: null,
    status: "fail",
    reason: null,
    checks: [],
  };
  const listed = (Object.keys(checks) as CheckName[]).filter((name) => cell.checks.includes(name));

  const stageDir = await stageApp(options.appDir, [template.filesDir, ...cell.companions.map((c) => c.filesDir)], cell.id);
  let stack: Promise<RunningStack> | undefined;
  try {
    const buildRequest: BuildImageRequest = {
      context: stageDir,
      dockerfile: join(stageDir, manifest.dockerfile),
      tag: image,
      buildArgs: resolvedBuildArgs(cell, environment),
      labels: templateLabels(template),
      logFile: join(options.logDir, `${cell.id.replace("/", "--")}.log`),
      signal: options.signal,
    };
    options.step("building");
    let built;
    try {
      built = await buildImage(buildRequest);
    } catch (error) {
      if (!(error instanceof BuildFailedError)) throw error;
      report.reason = error.message;
      report.checks = listed.map((name) => ({ name, status: "skip", detail: "not run: the image did not build" }));
      return report;
    }
    report.buildSeconds = round(built.seconds);
    const facts = await inspectImage(image);
    report.sizeBytes = facts.sizeBytes;
    report.user = facts.user;

    let proxyImage: string | undefined;
    const needsProxy = listed.some((name) => name === "http-through-caddy" || name === "non-root") && manifest.kind === "app";
    if (needsProxy && cell.proxy) {
      options.step(`building the ${cell.proxy.name} proxy for this app`);
      proxyImage = `${image}-proxy`;
      await buildImage({
        // Built from the app's staged copy: the proxy serves the app's static files itself.
        context: stageDir,
        dockerfile: join(stageDir, cell.proxy.manifest.dockerfile),
        tag: proxyImage,
        buildArgs: resolvedBuildArgs(proxyCell(cell.proxy), environment),
        labels: templateLabels(cell.proxy),
        logFile: join(options.logDir, `${cell.id.replace("/", "--")}--proxy.log`),
        signal: options.signal,
      });
    }

    const context: CheckContext = {
      cellId: cell.id,
      kind: manifest.kind,
      image,
      facts,
      expectedUser: manifest.user,
      sizeBudgetBytes: report.sizeBudgetBytes,
      stageDir,
      rebuild: () => buildImage(buildRequest),
      stack: () => {
        if (!manifest.stack || !cell.proxy || !proxyImage) {
          throw new Error(`${template.name} names no stack (database and proxy) to run its app in`);
        }
        stack ??= startStack({
          run: options.run,
          name: cell.id,
          databaseImage: environment.imageFor(manifest.stack.database),
          appImage: image,
          appPort: manifest.port,
          proxyImage,
          proxyPort: cell.proxy.manifest.port,
        });
        return stack;
      },
      compose: manifest.compose ? { file: manifest.compose, env: composeEnvironment(cell, environment) } : undefined,
      expectedGreeting: options.expectedGreeting,
      run: options.run,
      log: options.step,
    };

    for (const name of listed) {
      options.step(`check ${name}`);
      report.checks.push(await runCheck(name, context));
    }
    const failed = report.checks.filter((check) => check.status === "fail");
    report.status = failed.length ? "fail" : "pass";
    report.reason = failed.length ? `failed: ${failed.map((check) => check.name).join(", ")}` : null;
    return report;
  } finally {
    if (stack) await (await stack.catch(() => undefined))?.stop();
    await rm(stageDir, { recursive: true, force: true });
  }
}

async function runCheck(name: CheckName, context: CheckContext): Promise<CheckResult> {
  const started = performance.now();
  try {
    const outcome = await checks[name](context);
    return { name, ...outcome, detail: `${outcome.detail} (${round((performance.now() - started) / 1000)} s)` };
  } catch (error) {
    return { name, status: "fail", detail: error instanceof Error ? error.message : String(error) };
  }
}

/** A cell's build args for this run: base images and the package index resolved by the environment. */
export function resolvedBuildArgs(cell: Cell, environment: BuildEnvironment): Record<string, string> {
  const args = { ...cell.buildArgs };
  for (const [arg, ref] of Object.entries(cell.baseImages)) args[arg] = environment.imageFor(ref);
  const index = environment.packageIndexFor(Object.values(cell.baseImages));
  for (const [arg, declared] of Object.entries(cell.template.manifest.buildArgs)) {
    if (index && declared.role === "package-index") args[arg] = index.url;
    if (index && declared.role === "package-index-host") args[arg] = index.trustedHost;
  }
  return args;
}

/** A companion (the proxy) is built as its first variant. */
function proxyCell(template: LoadedTemplate): Cell {
  return expandMatrix([template])[0]!;
}

/**
 * The environment the template's compose file is run with: every build arg by its own name (the
 * compose file passes them through), the companions' too (it builds them), and the database image
 * as POSTGRES_IMAGE.
 */
function composeEnvironment(cell: CellToVerify, environment: BuildEnvironment): Record<string, string> {
  const env: Record<string, string> = {};
  for (const companion of cell.companions) Object.assign(env, resolvedBuildArgs(proxyCell(companion), environment));
  Object.assign(env, resolvedBuildArgs(cell, environment));
  if (cell.template.manifest.stack) env.POSTGRES_IMAGE = environment.imageFor(cell.template.manifest.stack.database);
  return env;
}

function templateLabels(template: LoadedTemplate): Record<string, string> {
  return { "dockerize-python.template": template.name, "dockerize-python.template-version": template.version };
}

const round = (seconds: number) => Math.round(seconds * 10) / 10;
