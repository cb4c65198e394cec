import { ExplainedError } from "../explained-error.ts";
import { templatePackageScope } from "../manifest/template-package-name.ts";
import { runNpm } from "./run-npm.ts";

/** A registry URL that is not an http(s) URL. */
export class InvalidRegistryUrlError extends ExplainedError {
  constructor(value: string, from: string) {
    super(`The npm registry "${value}" (from ${from}) is not an http:// or https:// URL.\nFix: give the registry's URL, e.g. --registry http://127.0.0.1:4873/.`);
  }
}

/**
 * The registry template packages come from, as npm itself would choose it for their scope: the
 * scope's own registry (`@dockerize-python:registry` in an .npmrc), else npm's `registry` setting
 * (from npm_config_registry, the .npmrc files of `cwd`, the user and the machine, or npm's default).
 * Nothing here names a registry: npm knows its own default.
 */
export async function configuredNpmRegistry(cwd: string): Promise<string> {
  for (const key of [`${templatePackageScope}:registry`, "registry"]) {
    const result = await runNpm(["config", "get", key], cwd);
    const value = result.stdout.trim();
    if (result.exitCode === 0 && value && value !== "undefined" && value !== "null") return normalizeRegistryUrl(value, `npm config get ${key}`);
  }
  throw new ExplainedError("npm has no registry configured (npm config get registry printed nothing).\nFix: pass --registry URL, or set one with npm config set registry URL.");
}

/** `url` as an http(s) URL ending in `/`, the form npm compares and records registries in. */
export function normalizeRegistryUrl(url: string, from: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidRegistryUrlError(url, from);
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new InvalidRegistryUrlError(url, from);
  return parsed.href.endsWith("/") ? parsed.href : `${parsed.href}/`;
}
