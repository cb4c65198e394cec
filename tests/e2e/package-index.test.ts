import { createHash } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { GenericContainer, type StartedTestContainer } from "testcontainers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildImage } from "../../packages/harness/src/docker/build-image.ts";
import { runDocker } from "../../packages/harness/src/docker/run-docker.ts";
import type { DebianSuite } from "../../packages/harness/src/hermetic/debian-rootfs.ts";
import {
  ensurePackageIndex,
  type PackageIndex,
  type PackageIndexListing,
  type PackageIndexServer,
  servePackageIndexes,
} from "../../packages/harness/src/hermetic/package-index.ts";
import { ensureStandin } from "../../packages/harness/src/hermetic/standins.ts";

/**
 * The local package index against a real engine: built (or reused) for each suite, served on the
 * docker0 gateway, then used as templates use it: `docker build` with only PIP_INDEX_URL and
 * PIP_TRUSTED_HOST as build args, on the Python stand-in of the same suite.
 */

// Ryuk (testcontainers' reaper) is an image that cannot be pulled here: every test cleans up itself.
process.env.TESTCONTAINERS_RYUK_DISABLED = "true";

const ownerLabel = { "h2-test": "package-index" };
const run = `${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
const log = (line: string) => console.log(line);

const suites = [
  { suite: "bookworm", official: "python:3.11-slim-bookworm", python: "3.11", cp: "cp311" },
  { suite: "trixie", official: "python:3.13-slim-trixie", python: "3.13", cp: "cp313" },
] as const;

let indexes: PackageIndex[];
let server: PackageIndexServer;
const builtImages: string[] = [];

beforeAll(async () => {
  // One after the other: both suites' builds at once only compete for the same two cores.
  indexes = [];
  for (const { suite } of suites) indexes.push(await ensurePackageIndex(suite, log));
  server = await servePackageIndexes(indexes);
});

afterAll(async () => {
  await server?.close();
  const { stdout } = await runDocker(["ps", "-aq", "--filter", "label=h2-test=package-index"]);
  const leftovers = stdout.split("\n").filter(Boolean);
  if (leftovers.length) await runDocker(["rm", "-fv", ...leftovers]);
  // Only the images this file built; BuildKit keeps their layers cached for the next run.
  if (builtImages.length) await runDocker(["image", "rm", "--force", ...builtImages]);
});

const sha256 = (data: Buffer) => createHash("sha256").update(data).digest("hex");

describe.each(suites)("the $suite package index (Python $python)", ({ suite, official, python, cp }) => {
  let index: PackageIndex;
  let listing: PackageIndexListing;
  let standin: string;
  let container: StartedTestContainer;
  let env: Record<string, string>;

  beforeAll(async () => {
    index = indexes.find((i) => i.suite === suite)!;
    listing = JSON.parse(await readFile(join(index.dir, "index.json"), "utf8")) as PackageIndexListing;
    standin = (await ensureStandin(official, log)).image;
    env = { PIP_INDEX_URL: server.urlFor(suite), PIP_TRUSTED_HOST: server.trustedHost, PIP_DISABLE_PIP_VERSION_CHECK: "1" };
    // A plain container on the default bridge, as a template's RUN step sees the network.
    container = await new GenericContainer(standin)
      .withName(`h2-package-index-${suite}-${run}`)
      .withLabels(ownerLabel)
      .withEnvironment(env)
      .withCommand(["sleep", "infinity"])
      .start();
  });

  afterAll(async () => {
    // sleep ignores SIGTERM as PID 1: no point waiting for it.
    await container?.stop({ timeout: 0, remove: true, removeVolumes: true });
  });

  async function sh(script: string): Promise<string> {
    const result = await container.exec(["bash", "-c", script]);
    expect(result.exitCode, `${script}\n---\n${result.output}`).toBe(0);
    return result.stdout;
  }

  it("is reused, complete, in seconds, when nothing changed", async () => {
    const started = performance.now();
    const again = await ensurePackageIndex(suite);
    const seconds = (performance.now() - started) / 1000;
    expect(again).toEqual({ suite, dir: index.dir, reused: true, packages: index.packages });
    expect(seconds).toBeLessThan(5);
    expect(listing.python).toBe(python);
  });

  it("serves PEP 503 pages whose sha256 fragments match the files", async () => {
    const root = await (await fetch(server.urlFor(suite))).text();
    for (const project of ["flask", "werkzeug", "jinja2", "markupsafe", "itsdangerous", "click", "blinker", "sqlalchemy", "greenlet", "typing-extensions", "psycopg", "gunicorn", "packaging", "pipenv", "virtualenv", "certifi", "platformdirs", "distlib", "filelock", "setuptools", "pip", "wheel", "psycopg2", "uwsgi", "django", "asgiref", "sqlparse"]) {
      expect(root).toContain(`<a href="${project}/">${project}</a>`);
    }
    for (const project of ["flask", "markupsafe", "psycopg2", "uwsgi", "virtualenv"]) {
      const pageUrl = `${server.urlFor(suite)}${project}/`;
      const links = [...(await (await fetch(pageUrl)).text()).matchAll(/href="([^"#]+)#sha256=([0-9a-f]{64})"/g)];
      expect(links.length, project).toBe(1);
      for (const [, href, digest] of links) {
        const file = Buffer.from(await (await fetch(new URL(href!, pageUrl))).arrayBuffer());
        expect(sha256(file), href).toBe(digest);
      }
    }
    // Keyed by PEP 503 normalized name (typing_extensions -> typing-extensions).
    const byProject = new Map(listing.entries.map((e) => [e.project.toLowerCase().replace(/[-_.]+/g, "-"), e]));
    expect(byProject.get("psycopg2")).toMatchObject({ kind: "sdist", version: "2.9.10", file: "psycopg2-2.9.10.tar.gz" });
    expect(byProject.get("uwsgi")).toMatchObject({ kind: "sdist" });
    for (const real of ["pip", "setuptools", "wheel"]) expect(byProject.get(real)?.kind, real).toBe("wheel");
    expect(byProject.get("markupsafe")?.file).toContain(`-${cp}-${cp}-linux_x86_64.whl`);
    expect(byProject.get("greenlet")?.file).toContain(`-${cp}-${cp}-linux_x86_64.whl`);
    expect(byProject.get("flask")?.file).toMatch(/-py3-none-any\.whl$/);
    // The sample app's series on both suites: bookworm borrows them (pure Python) from trixie.
    expect(byProject.get("flask")?.version).toMatch(/^3\.1\./);
    expect(byProject.get("sqlalchemy")).toMatchObject({ version: expect.stringMatching(/^2\.0\./), file: expect.stringMatching(/-py3-none-any\.whl$/) });
    expect(byProject.get("psycopg")?.version).toMatch(/^3\./);
    for (const project of ["flask", "werkzeug", "jinja2", "itsdangerous", "click", "blinker", "typing-extensions", "sqlalchemy", "django", "psycopg"]) {
      expect(byProject.get(project)?.lentBy, project).toBe(suite === "bookworm" ? "trixie" : undefined);
    }
  });

  it("installs the Django sample app's requirements (Django 4.2, psycopg 3.1.8 or newer) on both suites", async () => {
    // sample-apps/django/requirements.txt: bookworm's own Django 3.2 and psycopg 3.1.7 would not do.
    const requirements = await readFile(join(import.meta.dirname, "..", "..", "sample-apps", "django", "requirements.txt"), "utf8");
    const requirementsArgs = requirements.split("\n").filter((line) => line.trim() && !line.startsWith("#")).map((line) => `'${line.trim()}'`).join(" ");
    // --no-compile: byte-compiling Django's files took three quarters of the test's 25 s, and proves nothing of the index.
    await sh(`python -m venv /django && /django/bin/pip install --quiet --no-compile ${requirementsArgs} && /django/bin/pip check`);
    // psycopg's version from its metadata: importing it needs libpq5, which this plain container lacks (the templates' runtime stage installs it).
    const versions = await sh(`/django/bin/python -c 'import django, importlib.metadata as m; print(django.get_version(), m.version("psycopg"))'`);
    expect(versions).toMatch(/^4\.2\.\d+ 3\.(1\.([89]|\d\d)|[2-9]\.\d+)/);
  });

  it("lets `docker build` with only PIP_INDEX_URL and PIP_TRUSTED_HOST compile psycopg2 and uWSGI from sdists", async () => {
    const context = await mkdtemp(join(tmpdir(), "h2-package-index-"));
    // What a template does: compilers in the image, the index only through declared build args.
    await writeFile(
      join(context, "Dockerfile"),
      [
        "ARG PYTHON_IMAGE",
        "FROM ${PYTHON_IMAGE} AS compilers",
        "RUN apt-get update && apt-get install -y --no-install-recommends gcc libc6-dev libpq-dev && rm -rf /var/lib/apt/lists/*",
        "FROM compilers AS installed",
        "ARG PIP_INDEX_URL",
        "ARG PIP_TRUSTED_HOST",
        "ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1",
        "RUN python -m venv /venv && /venv/bin/pip install flask sqlalchemy psycopg psycopg2 uwsgi gunicorn",
        "RUN /venv/bin/pip check",
        "",
      ].join("\n"),
    );
    const tag = `dockerize-python-index-builder:e2e-${suite}-${run}`;
    try {
      const built = await buildImage({
        context,
        tag,
        buildArgs: { PYTHON_IMAGE: standin, PIP_INDEX_URL: server.urlFor(suite), PIP_TRUSTED_HOST: server.trustedHost },
        labels: ownerLabel,
        logFile: join(context, "build.log"),
        // The log must show the sdists compiling now, not a cached layer from an earlier run (the
        // compilers' apt layer may come from the cache: it is not what this test is about).
        noCacheStages: ["installed"],
      });
      builtImages.push(tag);
      // pip 23 (bookworm) installs legacy sdists with setup.py; pip 25 (trixie) builds wheels.
      expect(built.log).toMatch(/(Building wheel for|Running setup\.py install for) psycopg2/);
      expect(built.log).toMatch(/(Building wheel for|Running setup\.py install for) uwsgi/);
      expect(built.log).not.toMatch(/pypi\.org|files\.pythonhosted/);
      const { stdout } = await runDocker([
        "run", "--rm", "--name", `h2-package-index-check-${suite}-${run}`, "--label", "h2-test=package-index", "--network", "none", tag, "bash", "-c",
        `set -e
         /venv/bin/pip list --format=json
         echo "---"
         /venv/bin/python -c 'import flask, sqlalchemy, psycopg2, psycopg2.extensions, greenlet; print("imports ok", psycopg2.__version__)'
         /venv/bin/python -c 'import psycopg; print("psycopg", psycopg.__version__, psycopg.pq.__impl__)'
         ldd "$(/venv/bin/python -c 'import psycopg2._psycopg as m; print(m.__file__)')" | grep -o 'libpq.so.5'
         /venv/bin/uwsgi --version
         /venv/bin/gunicorn --version`,
      ]);
      const [pipList, checks] = stdout.split("---\n");
      const installed = new Map((JSON.parse(pipList!) as Array<{ name: string; version: string }>).map((p) => [p.name.toLowerCase(), p.version]));
      // Every version is the one the index serves: nothing came from anywhere else.
      for (const entry of listing.entries) {
        const version = installed.get(entry.project.toLowerCase());
        if (version) expect(version, entry.project).toBe(entry.version);
      }
      for (const project of ["flask", "werkzeug", "jinja2", "click", "itsdangerous", "markupsafe", "sqlalchemy", "greenlet", "psycopg", "psycopg2", "uwsgi", "gunicorn"]) {
        expect(installed.has(project), `${project} in ${[...installed.keys()].join(", ")}`).toBe(true);
      }
      expect(checks).toContain("imports ok 2.9.10");
      // psycopg 3 in pure Python, on the system's libpq (libpq-dev brought libpq5).
      expect(checks).toContain(`psycopg ${installed.get("psycopg")} python`);
      expect(checks).toContain("libpq.so.5");
      expect(checks).toContain(installed.get("uwsgi"));
    } finally {
      await rm(context, { recursive: true, force: true });
    }
  });

  it("restores the Requires-Dist Debian strips: `pip install flask` alone brings its requirements", async () => {
    await sh("python -m venv /flask && /flask/bin/pip install --quiet flask && /flask/bin/pip check");
    const names = (JSON.parse(await sh("/flask/bin/pip list --format=json")) as Array<{ name: string }>).map((p) => p.name.toLowerCase());
    // Flask 3.1 on both suites (bookworm's is trixie's), which requires blinker.
    expect(names).toEqual(expect.arrayContaining(["flask", "werkzeug", "jinja2", "click", "itsdangerous", "markupsafe", "blinker"]));
    await sh("/flask/bin/python -c 'import flask; flask.Flask(__name__)'");
  });

  it("installs pipenv, which locks and installs a Pipfile against the index", async () => {
    await sh("python -m venv /pipenv && /pipenv/bin/pip install --quiet pipenv && /pipenv/bin/pip check && /pipenv/bin/pipenv --version");
    await sh(
      `mkdir -p /app && cd /app && cat > Pipfile <<EOF
[[source]]
url = "$PIP_INDEX_URL"
verify_ssl = false
name = "local"

[packages]
flask = "*"
gunicorn = "*"
EOF
PIPENV_VENV_IN_PROJECT=1 /pipenv/bin/pipenv lock && PIPENV_VENV_IN_PROJECT=1 /pipenv/bin/pipenv install --deploy`,
    );
    const lock = JSON.parse(await sh("cat /app/Pipfile.lock")) as { default: Record<string, { version: string; hashes: string[] }> };
    const flask = listing.entries.find((e) => e.project.toLowerCase() === "flask")!;
    expect(lock.default.flask).toMatchObject({ version: `==${flask.version}`, hashes: [`sha256:${flask.sha256}`] });
    expect(Object.keys(lock.default)).toEqual(expect.arrayContaining(["werkzeug", "jinja2", "click", "itsdangerous", "markupsafe"]));
    await sh("/app/.venv/bin/python -c 'import flask, gunicorn'");
  });
});
