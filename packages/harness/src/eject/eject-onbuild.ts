import { chmod, copyFile, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ExplainedError } from "../explained-error.ts";
import { pathExists } from "../files/path-exists.ts";
import { UnknownPythonError } from "../manifest/unknown-python-error.ts";
import { loadTemplate } from "../manifest/load-manifest.ts";
import { deriveEjectedDockerfile } from "./derive-ejected-dockerfile.ts";

export interface EjectOnbuildOptions {
  /** The app's root: where docker/Dockerfile is written. */
  appDir: string;
  /** The folder holding the onbuild template (templates/onbuild). */
  templateDir: string;
  /** Overwrite files that exist already. */
  force?: boolean;
  /**
   * The Python minor version (3.13), chosen among the template's variants. Default: the tag of the
   * onbuild image the app's current docker/Dockerfile builds FROM, else the template's default.
   */
  python?: string;
}

export interface EjectedFile {
  /** Relative to the app's root. */
  path: string;
  /** What it is, for the message that says what was written. */
  what: string;
  /** True when a file was there before (only with force). */
  replaced: boolean;
}

export interface EjectOnbuildResult {
  files: EjectedFile[];
  /** The Python image the explicit Dockerfile builds FROM by default. */
  pythonImage: string;
  /** The instructions carried over from the app's former child Dockerfile, if any. */
  carriedOver: string | undefined;
}

/** A file eject would write exists and --force was not given. */
export class EjectWouldOverwriteError extends ExplainedError {
  constructor(paths: readonly string[], appDir: string) {
    super(
      `Refusing to overwrite ${listed(paths)} in ${appDir}.\n` +
        "Fix: pass --force to replace them (the Dockerfile's own instructions after FROM are carried over), or move them away first.",
    );
  }
}

const dockerfilePath = "docker/Dockerfile";
/** The scripts the explicit Dockerfile copies, as the base did: the template's own (generated) files. */
const copiedScripts = [
  { path: "docker/docker-entrypoint.sh", what: "the entrypoint it copies (waits for PostgreSQL, then runs uWSGI)" },
  { path: "docker/install-dependencies.sh", what: "the script it runs to install the dependencies (requirements.txt, Pipfile.lock, uv.lock, poetry.lock, pylock.toml or pyproject.toml)" },
  { path: "docker/link-writable-dirs.sh", what: "the script that makes the folders the app writes into its own tree links into APP_DATA_DIR" },
  { path: "docker/collect-static.sh", what: "the script that gathers a Django app's static files into its STATIC_ROOT at build time (nothing for other apps)" },
  { path: "docker/compile-bytecode.sh", what: "the script that byte-compiles the app's code at build time (checked-hash .pyc files)" },
];

/**
 * Writes into an app the explicit Dockerfile equivalent to building it FROM the onbuild base
 * (derived from the template's own base Dockerfile), and the scripts that Dockerfile copies.
 * Writes nothing when a file exists and `force` is not set.
 */
export async function ejectOnbuild(options: EjectOnbuildOptions): Promise<EjectOnbuildResult> {
  const template = await loadTemplate(options.templateDir);
  const baseDockerfile = await readFile(join(template.filesDir, template.manifest.dockerfile), "utf8");
  const existingChild = await readOptional(join(options.appDir, dockerfilePath));
  const child = existingChild === undefined ? undefined : parseChild(existingChild);

  const variants = template.manifest.variants.filter((variant) => variant.python);
  const python = options.python ?? child?.python;
  const variant = python ? variants.find((v) => v.python === python) : undefined;
  // An unknown --python is an error; an unknown tag in the old child Dockerfile falls back to the default.
  if (options.python && !variant) throw new UnknownPythonError(template.name, [options.python], variants.map((v) => v.python!));
  const pythonImage = variant?.baseImages.PYTHON_IMAGE ?? template.manifest.buildArgs.PYTHON_IMAGE?.default;
  if (!pythonImage) throw new Error(`the onbuild template at ${options.templateDir} declares no PYTHON_IMAGE default`);

  const targets = [{ path: dockerfilePath, what: "the explicit Dockerfile (the onbuild base with its triggers as plain instructions)" }, ...copiedScripts];
  const existing: string[] = [];
  for (const target of targets) if (await pathExists(join(options.appDir, target.path))) existing.push(target.path);
  if (existing.length && !options.force) throw new EjectWouldOverwriteError(existing, options.appDir);

  const dockerfile = deriveEjectedDockerfile({
    baseDockerfile,
    source: `@dockerize-python/template-${template.name} ${template.version}`,
    pythonImage,
    childInstructions: child?.instructions,
  });
  await mkdir(join(options.appDir, "docker"), { recursive: true });
  await writeFile(join(options.appDir, dockerfilePath), dockerfile);
  for (const script of copiedScripts) {
    await copyFile(join(template.filesDir, script.path), join(options.appDir, script.path));
    await chmod(join(options.appDir, script.path), 0o755);
  }
  return {
    files: targets.map((target) => ({ ...target, replaced: existing.includes(target.path) })),
    pythonImage,
    carriedOver: child?.instructions || undefined,
  };
}

/**
 * A one-line child Dockerfile: FROM an `.../onbuild:<x.y>` image, then the app's own instructions.
 * Anything else (a Dockerfile of another kind) gives no Python and nothing to carry over.
 */
export function parseChild(text: string): { python: string | undefined; instructions: string } | undefined {
  const lines = text.replace(/\r\n/g, "\n").split("\n");
  const fromIndex = lines.findIndex((line) => /^\s*FROM\s/i.test(line));
  if (fromIndex < 0) return undefined;
  const from = lines[fromIndex]!.trim().split(/\s+/)[1] ?? "";
  if (!/(^|\/)onbuild:[^/]+$/.test(from)) return undefined;
  if (lines.slice(fromIndex + 1).some((line) => /^\s*FROM\s/i.test(line))) return undefined;
  const python = from.match(/:(\d+\.\d+)/)?.[1];
  return { python, instructions: lines.slice(fromIndex + 1).join("\n").trim() };
}

async function readOptional(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** "a", "a and b", "a, b and c". */
const listed = (items: readonly string[]) => (items.length < 2 ? items.join("") : `${items.slice(0, -1).join(", ")} and ${items.at(-1)}`);
