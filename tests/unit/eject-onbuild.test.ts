import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, stat, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { DockerfileParser, Onbuild } from "dockerfile-ast";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { deriveEjectedDockerfile, EjectDerivationError, triggerStageName } from "../../packages/harness/src/eject/derive-ejected-dockerfile.ts";
import { ejectOnbuild, EjectWouldOverwriteError, parseChild } from "../../packages/harness/src/eject/eject-onbuild.ts";
import { UnknownPythonError } from "../../packages/harness/src/manifest/unknown-python-error.ts";
import { declaredArgs } from "../../packages/harness/src/manifest/dockerfile-args.ts";

const repo = resolve(import.meta.dirname, "..", "..");
const templateDir = join(repo, "templates", "onbuild");
const baseFile = join(templateDir, "files", "docker", "onbuild", "Dockerfile");
const cli = fileURLToPath(new URL("../../packages/cli/dist/main.js", import.meta.url));

/** Instructions as `KEYWORD args` with continuations joined, comments and blank lines dropped. */
function instructionsOf(text: string): string[] {
  return DockerfileParser.parse(text)
    .getInstructions()
    .map((instruction) => instruction.toString().replace(/\\\n/g, " ").replace(/\s+/g, " ").trim());
}

describe("the onbuild base's Dockerfile", () => {
  it("declares its triggers in the onbuild stage, copying the dependency files before the code, byte-compiling the code and ending as the app user", async () => {
    const text = await readFile(baseFile, "utf8");
    expect(triggerStageName(text)).toBe("onbuild");
    const triggers = DockerfileParser.parse(text).getInstructions().filter((i): i is Onbuild => i instanceof Onbuild);
    const words = instructionsOf(text).filter((i) => i.startsWith("ONBUILD ")).map((i) => i.split(" ").slice(1, 3).join(" "));
    expect(triggers.map((t) => t.getTriggerWord())).toEqual(["ARG", "ARG", "ARG", "ARG", "ARG", "ARG", "ARG", "ARG", "COPY", "RUN", "COPY", "RUN", "USER"]);
    expect(words).toEqual([
      "ARG PIP_INDEX_URL",
      "ARG PIP_TRUSTED_HOST",
      "ARG DEPENDENCY_STYLE=auto",
      "ARG PIPENV_REQUIREMENT=pipenv>=2022.12",
      "ARG UV_REQUIREMENT=uv==0.13.9",
      "ARG POETRY_REQUIREMENT=poetry==2.5.1",
      "ARG PYLOCK_PIP_REQUIREMENT=pip==26.3",
      'ARG EXTRA_BUILD_PACKAGES=""',
      "COPY requirements*.txt",
      "RUN --mount=type=secret,id=netrc,target=/root/.netrc",
      "COPY .",
      "RUN compile-bytecode",
      "USER 10001:10001",
    ]);
    // Every style's files in one COPY, each a pattern so that a missing one is skipped (the slim
    // templates' trick); the install is the shared script, and pipenv leaves with its caches.
    expect(text).toMatch(/^ONBUILD COPY requirements\*\.txt Pipfil\[e\] Pipfile\.loc\[k\] pyproject\.tom\[l\] uv\.loc\[k\] poetry\.loc\[k\] pyloc\[k\]\.toml \/app\/$/m);
    expect(text).toMatch(/^COPY --chmod=0755 docker\/install-dependencies\.sh \/usr\/local\/bin\/install-dependencies$/m);
    const install = instructionsOf(text).find((i) => i.startsWith("ONBUILD RUN"))!;
    expect(install).toMatch(/install-dependencies;.*rm -rf \/opt\/pipenv \/opt\/uv \/opt\/poetry \/opt\/pylock-pip \/root\/\.cache/);
    expect(install).toMatch(/ldd .*apt-get purge -y --auto-remove/);
    // A cache mount in a trigger does not build (BuildKit); the credentials' secret and ssh mounts
    // do, and the label states the contract.
    expect(install).not.toMatch(/--mount=type=cache/);
    expect(install).toMatch(/^ONBUILD RUN (--mount=type=(secret|ssh)\S* )+set -eux;/);
    expect(text).toMatch(
      /org\.dockerize-python\.onbuild\.triggers="ARG PIP_INDEX_URL PIP_TRUSTED_HOST DEPENDENCY_STYLE PIPENV_REQUIREMENT UV_REQUIREMENT POETRY_REQUIREMENT PYLOCK_PIP_REQUIREMENT EXTRA_BUILD_PACKAGES; COPY requirements\*\.txt Pipfile Pipfile\.lock pyproject\.toml uv\.lock poetry\.lock pylock\.toml \/app\/; RUN [^"]*; COPY \. \/app; RUN compile-bytecode; USER 10001:10001"/,
    );
    expect(text).toMatch(/org\.dockerize-python\.onbuild\.dependency-styles="requirements [^"]*pipenv [^"]*pyproject [^"]*DEPENDENCY_STYLE[^"]*"/);
    expect(declaredArgs(text)).toEqual(
      new Set(["PYTHON_IMAGE", "PIP_INDEX_URL", "PIP_TRUSTED_HOST", "UWSGI_REQUIREMENT", "BUILD_DATE", "VCS_REF", "DEPENDENCY_STYLE", "PIPENV_REQUIREMENT", "UV_REQUIREMENT", "POETRY_REQUIREMENT", "PYLOCK_PIP_REQUIREMENT", "EXTRA_BUILD_PACKAGES"]),
    );
  });
});

describe("deriveEjectedDockerfile", () => {
  it("is the base's instructions up to its trigger stage, then the triggers as plain instructions, then the child's", async () => {
    const base = await readFile(baseFile, "utf8");
    const ejected = deriveEjectedDockerfile({ baseDockerfile: base, source: "test 1.0.0", childInstructions: "ENV WSGI_APP=myapp.wsgi:app" });

    const baseInstructions = instructionsOf(base);
    const selfTest = baseInstructions.findIndex((i) => /^FROM onbuild AS app$/.test(i));
    expect(selfTest).toBeGreaterThan(0);
    const beforeSelfTest = baseInstructions.slice(0, selfTest);
    // The OCI labels and the ARGs that fill them move after the former triggers (no cache miss for a new date).
    const provenance = (i: string) => /^ARG (BUILD_DATE|VCS_REF)$/.test(i) || i.startsWith("LABEL org.opencontainers.image.version=");
    const plain = beforeSelfTest.filter((i) => !i.startsWith("ONBUILD ") && !i.startsWith("LABEL org.dockerize-python.onbuild.") && !provenance(i));
    const triggers = beforeSelfTest.filter((i) => i.startsWith("ONBUILD ")).map((i) => i.slice("ONBUILD ".length));
    const labels = beforeSelfTest.filter(provenance);
    expect(labels).toHaveLength(3);
    const expected = [...plain.map((i) => i.replace(/ AS onbuild$/, " AS app")), ...triggers, ...labels, "ENV WSGI_APP=myapp.wsgi:app"];
    expect(instructionsOf(ejected)).toEqual(expected);

    expect(ejected).not.toMatch(/^\s*ONBUILD/m);
    expect(ejected).not.toMatch(/^#\s*syntax=/m);
    expect(ejected).toContain("test 1.0.0");
    // Comments stay: every non-obvious line of the base keeps its explanation.
    expect(ejected).toContain("# 3. One layer that compiles and cleans up after itself");
    // No blank-line runs left where blocks were cut out.
    expect(ejected).not.toMatch(/\n\n\n/);
  });

  it("sets the Python image default when asked", async () => {
    const ejected = deriveEjectedDockerfile({ baseDockerfile: await readFile(baseFile, "utf8"), source: "t", pythonImage: "python:3.11-slim-bookworm" });
    expect(ejected).toMatch(/^ARG PYTHON_IMAGE=python:3\.11-slim-bookworm$/m);
  });

  it("refuses a Dockerfile without triggers, or with triggers before any FROM", () => {
    expect(() => deriveEjectedDockerfile({ baseDockerfile: "FROM x\nRUN true\n", source: "t" })).toThrow(EjectDerivationError);
    expect(() => deriveEjectedDockerfile({ baseDockerfile: "FROM x AS a\nONBUILD RUN a\nFROM y AS b\nONBUILD RUN b\n", source: "t" })).toThrow(/more than one stage/);
  });
});

describe("parseChild", () => {
  it("reads the Python and the child's own instructions from a one-line child Dockerfile", () => {
    expect(parseChild("# comment\nFROM 127.0.0.1:5000/dockerize-python/onbuild:3.11\nENV UWSGI_MODULE=x:app\n")).toEqual({ python: "3.11", instructions: "ENV UWSGI_MODULE=x:app" });
    expect(parseChild("FROM python:3.13-slim\nRUN true\n")).toBeUndefined();
    expect(parseChild("FROM a/onbuild:3.13 AS x\nFROM y\n")).toBeUndefined();
  });
});

describe("ejectOnbuild", () => {
  let app: string;
  beforeEach(async () => {
    app = await mkdtemp(join(tmpdir(), "dockerize-python-eject-test-"));
  });
  afterEach(async () => {
    await rm(app, { recursive: true, force: true });
  });

  it("writes the Dockerfile and the scripts it copies, carrying over the child's instructions and Python", async () => {
    await mkdir(join(app, "docker"));
    await writeFile(join(app, "docker", "Dockerfile"), "FROM 127.0.0.1:5000/dockerize-python/onbuild:3.11\nENV WSGI_APP=myapp.wsgi:app\n");
    await expect(ejectOnbuild({ appDir: app, templateDir })).rejects.toThrow(EjectWouldOverwriteError);
    expect(await readFile(join(app, "docker", "Dockerfile"), "utf8")).toMatch(/^FROM 127/);

    const result = await ejectOnbuild({ appDir: app, templateDir, force: true });
    expect(result.files.map((f) => [f.path, f.replaced])).toEqual([
      ["docker/Dockerfile", true],
      ["docker/docker-entrypoint.sh", false],
      ["docker/install-dependencies.sh", false],
      ["docker/link-writable-dirs.sh", false],
      ["docker/collect-static.sh", false],
      ["docker/compile-bytecode.sh", false],
    ]);
    expect(result.pythonImage).toBe("python:3.11-slim-bookworm");
    const dockerfile = await readFile(join(app, "docker", "Dockerfile"), "utf8");
    expect(dockerfile).toMatch(/^ARG PYTHON_IMAGE=python:3\.11-slim-bookworm$/m);
    expect(dockerfile.trimEnd().endsWith("ENV WSGI_APP=myapp.wsgi:app")).toBe(true);
    // Every script the ejected Dockerfile copies is one eject writes: none is left for the user to find.
    const copied = [...dockerfile.matchAll(/^COPY --chmod=0755 (docker\/\S+) /gm)].map((match) => match[1]);
    expect(copied.sort()).toEqual(result.files.map((f) => f.path).filter((path) => path !== "docker/Dockerfile").sort());
    for (const script of ["docker-entrypoint.sh", "install-dependencies.sh", "link-writable-dirs.sh", "collect-static.sh", "compile-bytecode.sh"]) {
      const path = join(app, "docker", script);
      expect(await readFile(path, "utf8")).toBe(await readFile(join(templateDir, "files", "docker", script), "utf8"));
      expect((await stat(path)).mode & 0o111, script).not.toBe(0);
      // The ejected Dockerfile copies each script it is given.
      expect(dockerfile).toContain(`COPY --chmod=0755 docker/${script} `);
    }
  });

  it("refuses a Python the template has no variant for", async () => {
    await expect(ejectOnbuild({ appDir: app, templateDir, python: "3.9" })).rejects.toThrow(UnknownPythonError);
  });

  it("is a CLI command that says what it wrote and refuses to overwrite without --force", () => {
    if (!existsSync(cli)) throw new Error(`${cli} does not exist. Fix: build first (pnpm exec turbo run build).`);
    const first = spawnSync(process.execPath, [cli, "eject", "onbuild", app], { encoding: "utf8" });
    expect(first.stderr).toBe("");
    expect(first.status).toBe(0);
    expect(first.stdout).toContain(`wrote ${join(app, "docker", "Dockerfile")}`);
    const again = spawnSync(process.execPath, [cli, "eject", "onbuild", app], { encoding: "utf8" });
    expect(again.status).toBe(1);
    expect(again.stderr).toMatch(/Refusing to overwrite docker\/Dockerfile, docker\/docker-entrypoint\.sh, docker\/install-dependencies\.sh, docker\/link-writable-dirs\.sh, docker\/collect-static\.sh and docker\/compile-bytecode\.sh[\s\S]*--force/);
    const usage = spawnSync(process.execPath, [cli, "eject", "slim-uwsgi", app], { encoding: "utf8" });
    expect(usage.status).toBe(2);
  });
});
