import type { Platform } from "../docker/platform.ts";
import type { LoadedTemplate } from "../manifest/load-manifest.ts";
import type { BuildArg } from "../manifest/schema.ts";
import type { BuildEnvironment } from "../sources/build-environment.ts";
import type { Cell } from "./cell.ts";
import type { CellToVerify } from "./cell-to-verify.ts";
import { expandMatrix } from "./expand-matrix.ts";

/**
 * A cell's build args for this run: base images (for `platform`, by default the cell's), the package
 * index and the Go proxy, as the environment resolves them.
 */
export function resolvedBuildArgs(cell: Cell, environment: BuildEnvironment, platform = cell.platform): Record<string, string> {
  const args = { ...cell.buildArgs };
  for (const [arg, ref] of Object.entries(cell.baseImages)) args[arg] = environment.imageFor(ref, baseImagePlatform(cell, arg, platform));
  return { ...args, ...sourceArgs(cell, environment) };
}

/**
 * Values for the build args the manifest gives the package-index and Go roles: set only when the
 * run's source is not the tools' own default (a configured or the local index; this machine's GOPROXY).
 */
function sourceArgs(cell: Cell, environment: BuildEnvironment): Record<string, string> {
  const index = environment.packageIndexFor(Object.values(cell.baseImages));
  const go = environment.goProxy;
  const values: Partial<Record<BuildArg["role"], string>> = {
    "package-index": index?.url,
    "package-index-host": index?.trustedHost,
    "go-proxy": go?.goproxy,
    "go-checksum-db": go?.gosumdb,
  };
  const args: Record<string, string> = {};
  for (const [arg, declared] of Object.entries(cell.template.manifest.buildArgs)) {
    const value = values[declared.role];
    if (value !== undefined) args[arg] = value;
  }
  return args;
}

/**
 * The platform a cell's base image of build arg `arg` is for: `platform` (by default the cell's), but
 * the engine's own (undefined) for one its manifest builds on the build platform (`buildPlatform`: a
 * cross-compiler).
 */
export function baseImagePlatform(cell: Cell, arg: string, platform = cell.platform): Platform | undefined {
  return cell.template.manifest.buildArgs[arg]?.buildPlatform ? undefined : platform;
}

/** Whether a cell compiles Go (Caddy plugins): it sets a build arg of the Go proxy's role to use. */
export function usesGoModules(cell: Cell): boolean {
  const manifest = cell.template.manifest;
  return Boolean(cell.needs?.goModuleProxy) && Object.values(manifest.buildArgs).some((arg) => arg.role === "go-proxy");
}

/**
 * The secrets every build gets: this machine's CA bundle as `ca_bundle`, which the templates'
 * install steps trust when it is given (a TLS-inspecting proxy, a mirror with a private CA).
 */
export function trustSecrets(environment: BuildEnvironment): Record<string, string> {
  return environment.caBundle ? { ca_bundle: environment.caBundle } : {};
}

/** A companion (the proxy) is built as its first variant. */
export function proxyCell(template: LoadedTemplate): Cell {
  return expandMatrix([template])[0]!;
}

/** Names a base image as the run uses it, for a platform (undefined: the engine's own). */
export type ResolveImage = (official: string, platform?: Platform) => string;

/**
 * The environment the template's compose file is run with: every build arg by its own name (the
 * compose file passes them through), the companions' too (it builds them), and the database image
 * as POSTGRES_IMAGE. The cell's own base images are its platform's, the companions' the engine's own.
 */
export function composeEnvironment(cell: CellToVerify, resolve: ResolveImage, environment: BuildEnvironment): Record<string, string> {
  const env: Record<string, string> = {};
  for (const companion of [...cell.companions.map(proxyCell), cell]) {
    Object.assign(env, companion.buildArgs);
    for (const [arg, ref] of Object.entries(companion.baseImages)) env[arg] = resolve(ref, baseImagePlatform(companion, arg));
    Object.assign(env, sourceArgs(companion, environment));
  }
  // The compose files mount it as the ca_bundle build secret, from this variable's file.
  if (environment.caBundle) env.BUILD_CA_BUNDLE = environment.caBundle;
  if (cell.template.manifest.stack) env.POSTGRES_IMAGE = resolve(cell.template.manifest.stack.database);
  return env;
}
