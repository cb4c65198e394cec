import { createHash } from "node:crypto";
import { mkdir, mkdtemp, rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ExplainedError } from "../explained-error.ts";
import { pathExists } from "../files/path-exists.ts";
import { UnknownTemplateError } from "../manifest/discover-templates.ts";
import { isPackageVersion } from "../manifest/package-version.ts";
import { templatePackageName, templatePackageScope } from "../manifest/template-package-name.ts";
import { extractPackageTarball } from "./extract-tarball.ts";
import { type NpmError, npmError, runNpm } from "./run-npm.ts";

export interface FetchTemplatePackageRequest {
  /** The template's name (`slim-uwsgi`), not its package's. */
  name: string;
  /** An exact version, a range or a dist-tag (`latest`). */
  version: string;
  /** The registry's URL, ending in `/`. */
  registry: string;
  /** Where npm runs: the app, so that its .npmrc (credentials, say) applies. */
  cwd: string;
  /** The folder packages are kept in, by registry, name and version. */
  cacheDir: string;
}

/** The registry has the package, but no version matching the one asked for. */
export class TemplateVersionNotFoundError extends ExplainedError {
  constructor(packageName: string, version: string, registry: string) {
    super(
      `The registry ${registry} has no version "${version}" of ${packageName}.\n` +
        `Fix: pass a version or dist-tag it has (npm view ${packageName} versions dist-tags --registry ${registry} lists them), or leave --version out for the latest.`,
    );
  }
}

/** npm could not fetch the package for another reason: the registry did not answer, or refused. */
export class TemplateFetchError extends ExplainedError {
  constructor(packageName: string, registry: string, error: NpmError | undefined, output: string) {
    const said = error ? `${error.code}: ${error.summary}` : output.trim().split("\n").slice(-5).join("\n");
    super(
      `Could not fetch ${packageName} from the npm registry ${registry}: ${said}\n` +
        "Fix: check that the registry is up and its URL right (--registry URL, or npm config get registry), and that your .npmrc has credentials for it if it needs them.",
    );
  }
}

/**
 * The template package `name@version` from `registry`, unpacked as npm lays it out (package.json,
 * template.json, files/, README.md) in a folder named after the template. An exact version already
 * fetched from the same registry comes from the cache without asking the registry; anything else
 * (a dist-tag, a range) is resolved by the registry, with `npm pack`, so npm's own configuration
 * (credentials, proxies, certificates) applies.
 */
export async function fetchTemplatePackage(request: FetchTemplatePackageRequest): Promise<string> {
  const packageName = templatePackageName(request.name);
  const cached = (version: string) => join(request.cacheDir, "npm", registryKey(request.registry), request.name, version, request.name);
  if (isPackageVersion(request.version) && (await pathExists(join(cached(request.version), "template.json")))) return cached(request.version);

  const download = await mkdtemp(join(tmpdir(), "dockerize-python-pack-"));
  try {
    const spec = `${packageName}@${request.version}`;
    // The scope's registry is set too: an .npmrc naming one for the scope would otherwise win over --registry.
    const result = await runNpm(
      ["pack", spec, "--json", "--prefer-online", "--pack-destination", download, "--registry", request.registry, `--${templatePackageScope}:registry=${request.registry}`],
      request.cwd,
    );
    if (result.exitCode !== 0) throw await fetchFailure(request, result.stdout + result.stderr, npmError(result));
    const [packed] = JSON.parse(result.stdout) as Array<{ version: string; filename: string }>;
    if (!packed) throw new TemplateFetchError(packageName, request.registry, undefined, result.stdout);

    const target = cached(packed.version);
    if (await pathExists(join(target, "template.json"))) return target;
    // Unpacked beside the target, then renamed: a reader never sees half a package.
    await mkdir(join(target, ".."), { recursive: true });
    const unpacking = await mkdtemp(`${target}.unpacking-`);
    try {
      await extractPackageTarball(join(download, packed.filename), unpacking);
      await rename(unpacking, target).catch(async (error: NodeJS.ErrnoException) => {
        // Another run unpacked the same version first: theirs is as good.
        if (!(await pathExists(join(target, "template.json")))) throw error;
      });
    } finally {
      await rm(unpacking, { recursive: true, force: true });
    }
    return target;
  } finally {
    await rm(download, { recursive: true, force: true });
  }
}

/** The error for a failed `npm pack`: an unknown template gets the nearest known name. */
async function fetchFailure(request: FetchTemplatePackageRequest, output: string, error: NpmError | undefined): Promise<Error> {
  const packageName = templatePackageName(request.name);
  if (error?.code === "ETARGET") return new TemplateVersionNotFoundError(packageName, request.version, request.registry);
  if (error?.code === "E404") {
    const known = await publishedTemplateNames(request.registry, request.cwd);
    if (known.length) return new UnknownTemplateError([request.name], known);
    return new ExplainedError(
      `The registry ${request.registry} has no package ${packageName}, and none of the scope ${templatePackageScope} that its search lists.\n` +
        "Fix: check the template's name, and that the registry is the one the templates are published to (--registry URL, or npm config get registry).",
    );
  }
  return new TemplateFetchError(packageName, request.registry, error, output);
}

/** The templates the registry's search lists (`npm search`); none when it cannot search. */
async function publishedTemplateNames(registry: string, cwd: string): Promise<string[]> {
  const prefix = templatePackageName("");
  const result = await runNpm(["search", "--json", "--registry", registry, prefix], cwd);
  if (result.exitCode !== 0) return [];
  try {
    const found = JSON.parse(result.stdout) as Array<{ name?: unknown }>;
    return found
      .map((entry) => entry.name)
      .filter((name): name is string => typeof name === "string" && name.startsWith(prefix))
      .map((name) => name.slice(prefix.length))
      .sort();
  } catch {
    return [];
  }
}

/** A folder name for a registry: readable (its host) and unique (a hash of its whole URL). */
function registryKey(registry: string): string {
  const host = new URL(registry).host.replace(/[^a-zA-Z0-9.-]+/g, "_");
  return `${host}-${createHash("sha256").update(registry).digest("hex").slice(0, 8)}`;
}
