import { basename, dirname, join, resolve } from "node:path";
import { ExplainedError } from "../explained-error.ts";
import { pathExists } from "../files/path-exists.ts";
import { templateDirs, UnknownTemplateError } from "../manifest/discover-templates.ts";
import { type LoadedTemplate, loadTemplate } from "../manifest/load-manifest.ts";
import { harnessCacheDir } from "../hermetic/package-index.ts";
import { fetchTemplatePackage } from "./fetch-template-package.ts";

/** Where an app's templates come from, as `.dockerize-python.json` records it. */
export type TemplateSource =
  /** Published packages, from this npm registry (a URL ending in `/`). */
  | { kind: "registry"; registry: string }
  /** A checkout: the repository's root, or one template package's folder (its siblings are the other templates). */
  | { kind: "checkout"; path: string };

export interface LoadTemplateSetRequest {
  /** The template asked for. */
  name: string;
  source: TemplateSource;
  /**
   * From a registry: the version, range or dist-tag of each template, by name; `latest` for any
   * other. A checkout has the versions it has.
   */
  versions?: Record<string, string>;
  /** Where npm runs (the app, so that its .npmrc applies). */
  cwd: string;
  /** Where fetched packages are kept; the harness's cache when absent. */
  cacheDir?: string;
}

/** A template and the templates it needs beside it in an app (its companions, its proxy). */
export interface TemplateSet {
  /** The template asked for first, then the ones it needs, each once. */
  templates: LoadedTemplate[];
  source: TemplateSource;
}

/** The path given as a checkout holds no templates. */
export class NotATemplateCheckoutError extends ExplainedError {
  constructor(path: string) {
    super(
      `${path} is neither a dockerize-python repository (with templates/<name>/template.json) nor a template package (with template.json).\n` +
        "Fix: pass --from the repository's root or a template's folder (templates/<name>), or leave --from out to fetch the published package from your npm registry.",
    );
  }
}

/**
 * Loads a template and, transitively, the templates its manifest names as companions or as its
 * proxy, from a registry or a checkout. An unknown name is an UnknownTemplateError with the nearest
 * known one.
 */
export async function loadTemplateSet(request: LoadTemplateSetRequest): Promise<TemplateSet> {
  const load = await templateLoader(request);
  const templates: LoadedTemplate[] = [];
  const pending = [request.name];
  for (let name = pending.shift(); name !== undefined; name = pending.shift()) {
    if (templates.some((template) => template.name === name)) continue;
    const template = await load(name);
    templates.push(template);
    const { manifest } = template;
    pending.push(...manifest.companions, ...(manifest.kind === "app" && manifest.stack ? [manifest.stack.proxy] : []));
  }
  return { templates, source: request.source };
}

async function templateLoader(request: LoadTemplateSetRequest): Promise<(name: string) => Promise<LoadedTemplate>> {
  const { source } = request;
  if (source.kind === "registry") {
    const cacheDir = join(request.cacheDir ?? harnessCacheDir(), "templates");
    return async (name) =>
      loadTemplate(await fetchTemplatePackage({ name, version: request.versions?.[name] ?? "latest", registry: source.registry, cwd: request.cwd, cacheDir }));
  }
  const templatesDir = await checkoutTemplatesDir(source.path);
  const known = (await templateDirs(templatesDir)).map((dir) => basename(dir)).sort();
  return async (name) => {
    if (!known.includes(name)) throw new UnknownTemplateError([name], known);
    return loadTemplate(join(templatesDir, name));
  };
}

/** The folder holding a checkout's templates: `<root>/templates`, or a template package's parent. */
export async function checkoutTemplatesDir(path: string): Promise<string> {
  const root = resolve(path);
  if (await pathExists(join(root, "template.json"))) return dirname(root);
  if (await pathExists(join(root, "templates"))) return join(root, "templates");
  throw new NotATemplateCheckoutError(root);
}
