/**
 * Writes the files the Python app templates share into each template's files/, from one source:
 * templates/_shared/src (whole files) and templates/_shared/fragments (the parts that differ by OS
 * family, app server (a WSGI server, or ASGI: Uvicorn or Granian) or Dockerfile layout: multi-stage, or the onbuild base's ONBUILD triggers).
 * As docker-library/python's apply-templates.sh: idempotent, every output
 * headed "generated ... do not edit", and a test (tests/unit/generated-templates.test.ts) fails when
 * the committed output differs from a fresh generation.
 *
 *   node templates/_shared/generate.ts          write every template's generated files
 *   node templates/_shared/generate.ts --check  only compare; exit 1 and list the files that differ
 *
 * In a source file, `%%os:NAME%%`, `%%server:NAME%%` or `%%layout:NAME%%` on a line of its own is
 * replaced by the file fragments/os-<os>/NAME, fragments/server-<server>/NAME or
 * fragments/layout-<layout>/NAME (an empty fragment removes the line; written `# %%server:NAME%%`,
 * a comment, where the source must stay valid for its linter: ShellCheck), and `%%common:NAME%%` by
 * fragments/common/NAME, a part that several source files share whatever the target;
 * inside a line, by that file's text without its final newline. `%%KEY%%` anywhere is replaced by a
 * value of the target (see `values` in render).
 *
 * The template's package version goes into its image's OCI labels (`%%template_version%%`), so the
 * release flow (`pnpm run version-packages`: `changeset version`, then this) regenerates after every
 * bump. A hand-written Dockerfile that states its version too (caddy's, see `versionStamped`) has
 * that label value, and its base images' ARG defaults (the manifest's), kept in step, and is checked
 * for drift like a generated file.
 */
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

export const sharedDir = dirname(fileURLToPath(import.meta.url));
const templatesDir = dirname(sharedDir);
const repoRoot = dirname(templatesDir);

/** A template whose files are generated: its OS family, app server and Dockerfile layout. */
export interface Target {
  template: string;
  os: "debian" | "alpine";
  /** A WSGI server, or asgi: Uvicorn or Granian, chosen by the image's ASGI_SERVER build arg. */
  server: "uwsgi" | "gunicorn" | "asgi";
  /**
   * multi-stage: an app's own docker/Dockerfile (src/Dockerfile, builder + runtime stages).
   * onbuild: a base image with ONBUILD triggers at docker/onbuild/Dockerfile (src/onbuild/Dockerfile);
   * its one-line child docker/Dockerfile is the template's own, written by hand.
   */
  layout: "multi-stage" | "onbuild";
  /** The Dockerfile's first line. */
  title: string;
}

/** Every generated template. Its build args' defaults (base image, installers) are read from its template.json. */
export const targets: readonly Target[] = [
  { template: "slim-uwsgi", os: "debian", server: "uwsgi", layout: "multi-stage", title: "A Python WSGI app served by uWSGI, on a Debian slim Python image." },
  { template: "slim-gunicorn", os: "debian", server: "gunicorn", layout: "multi-stage", title: "A Python WSGI app served by Gunicorn, on a Debian slim Python image." },
  { template: "alpine", os: "alpine", server: "gunicorn", layout: "multi-stage", title: "A Python WSGI app served by Gunicorn, on an Alpine (musl) Python image. Read the README first." },
  { template: "slim-asgi", os: "debian", server: "asgi", layout: "multi-stage", title: "A Python ASGI app served by Uvicorn or Granian, on a Debian slim Python image." },
  { template: "onbuild", os: "debian", server: "uwsgi", layout: "onbuild", title: "A base image with ONBUILD triggers for Python WSGI apps served by uWSGI, on a Debian slim Python image." },
];

/** Which source becomes which file under files/, for a target. */
function outputsOf(target: Target): Array<{ source: string; file: string; executable: boolean }> {
  return [
    target.layout === "onbuild"
      ? { source: "onbuild/Dockerfile", file: "docker/onbuild/Dockerfile", executable: false }
      : { source: "Dockerfile", file: "docker/Dockerfile", executable: false },
    { source: "docker-entrypoint.sh", file: "docker/docker-entrypoint.sh", executable: true },
    { source: "install-dependencies.sh", file: "docker/install-dependencies.sh", executable: true },
    { source: "link-writable-dirs.sh", file: "docker/link-writable-dirs.sh", executable: true },
    { source: "collect-static.sh", file: "docker/collect-static.sh", executable: true },
    { source: "compile-bytecode.sh", file: "docker/compile-bytecode.sh", executable: true },
    ...(target.server === "gunicorn" ? [{ source: "gunicorn.conf.py", file: "docker/gunicorn.conf.py", executable: false }] : []),
    ...(target.server === "asgi" ? [{ source: "asgi_behind_proxy.py", file: "docker/asgi_behind_proxy.py", executable: false }] : []),
    { source: "compose.yaml", file: "compose.yaml", executable: false },
    { source: ".env.example", file: ".env.example", executable: false },
    { source: ".dockerignore", file: ".dockerignore", executable: false },
  ];
}

/** One generated file: its path from the repository root, its text, and whether it is executable. */
export interface GeneratedFile {
  path: string;
  content: string;
  executable: boolean;
}

/** Every generated file, rendered in memory; nothing is written. */
export function renderTemplates(): GeneratedFile[] {
  return targets.flatMap((target) =>
    outputsOf(target).map(({ source, file, executable }) => ({
      path: relative(repoRoot, join(templatesDir, target.template, "files", file)),
      content: withHeader(render(read(join(sharedDir, "src", source)), target), source),
      executable,
    })),
  );
}

/** Each server as its users name it. */
const serverNames: Record<Target["server"], string> = { uwsgi: "uWSGI", gunicorn: "Gunicorn", asgi: "Uvicorn or Granian" };

/** What a fragment varies by: fragments/<axis>-<the target's value>/, or nothing: fragments/common/. */
type Axis = "os" | "server" | "layout" | "common";

function render(text: string, target: Target): string {
  const origin = templatePackageOf(target.template);
  const values: Record<string, string> = {
    title: target.title,
    template: target.template,
    template_version: origin.version,
    template_source: origin.source,
    server_name: serverNames[target.server],
    // The variable that names what the server serves, and its default.
    app_variable: target.server === "asgi" ? "ASGI_APP" : "WSGI_APP",
    app_default: target.server === "asgi" ? "asgi:app" : "wsgi:app",
    python_image: buildArgDefaultOf(target.template, "PYTHON_IMAGE"),
    // compose.yaml's defaults: the database the template's stack runs, the Caddy the proxy template builds FROM.
    database_image: stackDatabaseOf(target.template),
    caddy_image: buildArgDefaultOf("caddy", "CADDY_IMAGE"),
    pipenv_requirement: buildArgDefaultOf(target.template, "PIPENV_REQUIREMENT"),
    uv_requirement: buildArgDefaultOf(target.template, "UV_REQUIREMENT"),
    poetry_requirement: buildArgDefaultOf(target.template, "POETRY_REQUIREMENT"),
    pylock_pip_requirement: buildArgDefaultOf(target.template, "PYLOCK_PIP_REQUIREMENT"),
  };
  const fragment = (axis: Axis, name: string) => read(join(sharedDir, "fragments", axis === "common" ? axis : `${axis}-${target[axis]}`, name));
  const rendered = text
    .replace(/^(?:# )?%%(os|server|layout|common):([a-z-]+)%%\n/gm, (_, axis: Axis, name: string) => fragment(axis, name))
    .replace(/%%(os|server|layout|common):([a-z-]+)%%/g, (_, axis: Axis, name: string) => fragment(axis, name).trimEnd())
    .replace(/%%([a-z_]+)%%/g, (_, key: string) => {
      const value = values[key];
      if (value === undefined) throw new Error(`unknown placeholder %%${key}%% (known: ${Object.keys(values).join(", ")})`);
      return value;
    });
  // Any other %%...%% (an unknown axis, a name with a capital or a dot) would ship as it is.
  const leftover = rendered.match(placeholder);
  if (leftover) throw new Error(`unknown placeholder ${leftover[0]} in templates/${target.template} (known axes: os, server, layout, common; values: ${Object.keys(values).join(", ")})`);
  return rendered;
}

/** Anything shaped like a placeholder: %%name%% or %%axis:name%%. */
export const placeholder = /%%[\w.-]+(:[\w.-]+)?%%/;

/** The "generated, do not edit" line: first, or right after a #! line. */
function withHeader(text: string, source: string): string {
  const header = `# generated from templates/_shared/src/${source} by templates/_shared/generate.ts, do not edit\n`;
  if (!text.startsWith("#!")) return header + text;
  const lineEnd = text.indexOf("\n") + 1;
  return text.slice(0, lineEnd) + header + text.slice(lineEnd);
}

/**
 * A build arg's default in the template's manifest: the one place a template's base image and the
 * installers' pinned versions are named, which the Dockerfiles' ARG lines repeat as generated.
 */
function buildArgDefaultOf(template: string, arg: string): string {
  const manifest = JSON.parse(read(join(templatesDir, template, "template.json"))) as { buildArgs?: Record<string, { default?: string }> };
  const value = manifest.buildArgs?.[arg]?.default;
  if (!value) throw new Error(`templates/${template}/template.json has no buildArgs.${arg}.default`);
  return value;
}

/** The build args of the template's manifest whose role is base-image. */
function baseImageArgsOf(template: string): string[] {
  const manifest = JSON.parse(read(join(templatesDir, template, "template.json"))) as { buildArgs?: Record<string, { role?: string }> };
  return Object.entries(manifest.buildArgs ?? {}).filter(([, arg]) => arg.role === "base-image").map(([name]) => name);
}

/** The database image of the template's stack in its manifest (`stack.database`). */
function stackDatabaseOf(template: string): string {
  const manifest = JSON.parse(read(join(templatesDir, template, "template.json"))) as { stack?: { database?: string } };
  const database = manifest.stack?.database;
  if (!database) throw new Error(`templates/${template}/template.json has no stack.database`);
  return database;
}

/** What a template's image labels say of its origin: the template package's version and source repository. */
function templatePackageOf(template: string): { version: string; source: string } {
  const file = join(templatesDir, template, "package.json");
  const manifest = JSON.parse(read(file)) as { version?: string; repository?: { url?: string } };
  const url = manifest.repository?.url;
  if (!manifest.version || !url) throw new Error(`${relative(repoRoot, file)} needs "version" and "repository.url" (they become the image's OCI labels)`);
  // npm's form (git+https://host/owner/repo.git) to the URL a person opens.
  return { version: manifest.version, source: url.replace(/^git\+/, "").replace(/\.git$/, "") };
}

/** Hand-written files that state their template's version and source in OCI labels: kept in step here. */
export const versionStamped: ReadonlyArray<{ template: string; file: string }> = [{ template: "caddy", file: "docker/caddy/Dockerfile" }];

/** Each version-stamped file as it is, with its version and source labels set from its package.json. */
export function renderVersionStamps(): GeneratedFile[] {
  return versionStamped.map(({ template, file }) => {
    const path = join(templatesDir, template, "files", file);
    const origin = templatePackageOf(template);
    let content = read(path);
    for (const [key, value] of [["version", origin.version], ["source", origin.source]] as const) {
      const label = new RegExp(`(org\\.opencontainers\\.image\\.${key}=)"[^"]*"`);
      if (!label.test(content)) throw new Error(`${relative(repoRoot, path)} has no org.opencontainers.image.${key}="..." label to keep in step with its package.json`);
      content = content.replace(label, `$1"${value}"`);
    }
    // Its base images' ARG defaults are the manifest's (so `update --write` moves them too).
    for (const arg of baseImageArgsOf(template)) {
      const line = new RegExp(`^(ARG ${arg}=).*$`, "m");
      if (!line.test(content)) throw new Error(`${relative(repoRoot, path)} has no ARG ${arg}=... line to keep in step with its template.json`);
      content = content.replace(line, `$1${buildArgDefaultOf(template, arg)}`);
    }
    return { path: relative(repoRoot, path), content, executable: (statSync(path).mode & 0o111) !== 0 };
  });
}

function read(file: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    throw new Error(`cannot read ${relative(repoRoot, file)}: ${(error as Error).message}`);
  }
}

/** The generated files whose committed copy is missing or differs (text or executable bit). */
export function findDrift(files: readonly GeneratedFile[] = [...renderTemplates(), ...renderVersionStamps()]): string[] {
  return files
    .filter((file) => {
      const path = join(repoRoot, file.path);
      let committed: string;
      try {
        committed = readFileSync(path, "utf8");
      } catch {
        return true;
      }
      const executable = (statSync(path).mode & 0o111) !== 0;
      return committed !== file.content || executable !== file.executable;
    })
    .map((file) => file.path);
}

function writeTemplates(): void {
  for (const file of [...renderTemplates(), ...renderVersionStamps()]) {
    const path = join(repoRoot, file.path);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, file.content);
    chmodSync(path, file.executable ? 0o755 : 0o644);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  if (process.argv.includes("--check")) {
    const drift = findDrift();
    if (drift.length > 0) {
      console.error(`These generated files differ from templates/_shared:\n  ${drift.join("\n  ")}\nFix: node templates/_shared/generate.ts`);
      process.exit(1);
    }
    console.log("generated template files are up to date");
  } else {
    writeTemplates();
    console.log(`wrote ${renderTemplates().length} files for ${targets.map((t) => t.template).join(", ")}; versions stamped in ${versionStamped.map((s) => `${s.template}/files/${s.file}`).join(", ")}`);
  }
}
