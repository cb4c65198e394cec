import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type CheckName, ejectOnbuild, type MatrixRunResult, runMatrix } from "@dockerize-python/harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { inspectImage } from "../../packages/harness/src/docker/inspect-image.ts";
import { runDocker } from "../../packages/harness/src/docker/run-docker.ts";

const repo = resolve(import.meta.dirname, "..", "..");

/**
 * The onbuild template end to end, in hermetic mode: its cells (the base, and the sample apps built
 * through its triggers: Flask, and Django on the cell the manifests' rule gives it; the onbuild-child
 * check pushes the base to a real local registry, once per Python, and each cell builds a two-line
 * child FROM it), and the Dockerfile `eject onbuild` writes, run as a template of its own through the
 * same harness and checks. Every dependency style of the old kind once through the triggers
 * (requirements on 3.14, pipenv and pyproject on 3.13), two of them ejected (the former triggers
 * copy every style's files and run the one install script: a third style would prove the same
 * lines). Python 3.11's base and its child are matrix-pypi.test.ts's (onbuild/py3.11-requirements
 * with onbuild-child, from PyPI); the main job and `matrix -t onbuild` run the whole cross-product.
 */
const throughTriggers = ["onbuild/py3.14-requirements", "onbuild/py3.13-pipenv", "onbuild/py3.13-pyproject-django"];
const ejectedCells = ["onbuild-ejected/py3.13-pipenv", "onbuild-ejected/py3.13-pyproject-django"];
/** Their dependency styles: a cell's image is tagged by its variant and style, not its kind of app (cellImageTag). */
const ejectedStyles = ["pipenv", "pyproject"];

describe("onbuild: the base, a child through a registry, and the ejected Dockerfile", () => {
  let work: string;
  let result: MatrixRunResult;
  let ejectedDockerfile: string;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), "dockerize-python-onbuild-test-"));
    const templates = join(work, "templates");
    await cp(join(repo, "templates", "onbuild"), join(templates, "onbuild"), { recursive: true });
    await cp(join(repo, "templates", "caddy"), join(templates, "caddy"), { recursive: true });

    // An app as a user of the onbuild base has it (the sample app and the template's files, with the
    // one-line child docker/Dockerfile), then ejected: --force, since the child Dockerfile is there.
    const app = join(work, "app");
    await cp(join(repo, "sample-apps", "flask"), app, { recursive: true });
    await cp(join(repo, "templates", "onbuild", "files"), app, { recursive: true });
    const ejected = await ejectOnbuild({ appDir: app, templateDir: join(templates, "onbuild"), force: true });
    expect(ejected.pythonImage).toBe("python:3.13-slim-trixie");
    ejectedDockerfile = await readFile(join(app, "docker", "Dockerfile"), "utf8");

    // The ejected output as a template: its files are exactly what eject wrote (plus the app's
    // .dockerignore); its manifest is onbuild's (the same dependency styles, app kinds and variants,
    // so the rule gives its cells the same kinds: the Django app on 3.13's pyproject cell, through
    // the triggers and ejected alike), without the compose file and the onbuild check.
    const ejectedTemplate = join(templates, "onbuild-ejected");
    await mkdir(join(ejectedTemplate, "files", "docker"), { recursive: true });
    for (const file of ["docker/Dockerfile", "docker/docker-entrypoint.sh", "docker/install-dependencies.sh", "docker/link-writable-dirs.sh", "docker/collect-static.sh", "docker/compile-bytecode.sh", ".dockerignore"]) {
      await cp(join(app, file), join(ejectedTemplate, "files", file));
    }
    const manifest = JSON.parse(await readFile(join(templates, "onbuild", "template.json"), "utf8"));
    delete manifest.compose;
    Object.assign(manifest, {
      name: "onbuild-ejected",
      description: "The Dockerfile `dockerize-python eject onbuild` writes, verified like a template.",
      dockerfile: "docker/Dockerfile",
      checks: ["http-through-caddy", "non-root", "size-budget", "deps-layer-cached"],
    });
    await writeFile(join(ejectedTemplate, "template.json"), JSON.stringify(manifest, null, 2));
    await writeFile(join(ejectedTemplate, "package.json"), JSON.stringify({ name: "@dockerize-python/template-onbuild-ejected", version: "0.1.0" }));

    // The checks this file is about (the triggers, the registry, the ejected Dockerfile); the
    // runtime, secret and compose checks of onbuild cells run in foreign-apps.test.ts (3.13, an app
    // of its own), compose's also in release-rehearsal.test.ts, and all of them in the main job.
    const checks: CheckName[] = ["lint", "size-budget", "non-root", "oci-labels", "http-through-caddy", "onbuild-child", "deps-layer-cached"];
    // Two cells, and two checks in each, side by side (a check with a time bound alone: check-turns.ts), as `--jobs 2` runs them.
    result = await runMatrix(
      { templatesDir: templates, appDirs: { wsgi: join(repo, "sample-apps", "flask"), django: join(repo, "sample-apps", "django") }, reportDir: join(work, "reports"), cells: [...throughTriggers, ...ejectedCells], checks, mode: "hermetic", jobs: 2 },
      () => {},
    );
  });

  afterAll(async () => {
    await rm(work, { recursive: true, force: true });
  });

  it("ejects a Dockerfile with no ONBUILD left and the child's instruction carried over", () => {
    expect(ejectedDockerfile).not.toMatch(/^\s*ONBUILD/m);
    expect(ejectedDockerfile.split("the app's own instructions")[1]).toContain("\nENV WSGI_APP=wsgi:app\n");
    expect(ejectedDockerfile.trimEnd().endsWith("USER 10001:10001")).toBe(true);
    // The former triggers: every style's files, then the shared install script.
    const formerTriggers = ejectedDockerfile.split("formerly ONBUILD")[1]!;
    expect(formerTriggers).toMatch(/^COPY requirements\*\.txt Pipfil\[e\] Pipfile\.loc\[k\] pyproject\.tom\[l\] uv\.loc\[k\] poetry\.loc\[k\] pyloc\[k\]\.toml \/app\/$/m);
    expect(formerTriggers).toContain("install-dependencies;");
  });

  it.each([...throughTriggers, ...ejectedCells])("%s passes every selected check its manifest lists", (id) => {
    const cell = result.report.cells.find((c) => c.id === id);
    expect(cell, `cell ${id} missing; cells: ${result.report.cells.map((c) => c.id).join(", ")}`).toBeDefined();
    const failing = cell!.checks.filter((check) => check.status !== "pass");
    expect(failing, JSON.stringify(failing, null, 2)).toEqual([]);
    expect(cell!.status).toBe("pass");
  });

  it("pulls the base, pushed once per Python, from the local registry by digest and serves a child of each style through Caddy", () => {
    for (const id of throughTriggers) {
      const detail = result.report.cells.find((c) => c.id === id)?.checks.find((c) => c.name === "onbuild-child")?.detail ?? "";
      const [, variant, style] = id.match(/^onbuild\/(py\d+\.\d+)-(\w+)(-django)?$/)!;
      expect(detail).toMatch(new RegExp(`^${style} style: `));
      expect(detail).toMatch(new RegExp(`pulled 127\\.0\\.0\\.1:\\d+/dockerize-python/onbuild:${variant!.replace(".", "\\.")}@sha256:[0-9a-f]{64}`));
      expect(detail).toMatch(/runs as 10001:10001; through Caddy GET \/ -> 200 with "Hello World From Docker!"/);
    }
    // One base per Python, pushed once: the cells of Python 3.13 pull the same digest from the same registry.
    const pulled = throughTriggers
      .filter((id) => id.startsWith("onbuild/py3.13-"))
      .map((id) => result.report.cells.find((c) => c.id === id)?.checks.find((c) => c.name === "onbuild-child")?.detail.match(/pulled (\S+)/)?.[1]);
    expect(pulled).toHaveLength(2);
    expect(new Set(pulled).size, pulled.join(", ")).toBe(1);
  });

  it("builds the same image from the ejected Dockerfile as through the triggers, for each style", async () => {
    for (const style of ejectedStyles) {
      const ejected = await inspectImage(`dockerize-python-cell/onbuild-ejected:py3.13-${style}`);
      const through = await inspectImage(`dockerize-python-cell/onbuild:py3.13-${style}`);
      expect(ejected.user, style).toBe(through.user);
      expect([...ejected.env].sort(), style).toEqual([...through.env].sort());
      expect(ejected.healthcheck, style).toEqual(through.healthcheck);
      // The same files: within a few MB (layer metadata and timestamps differ, content does not).
      expect(Math.abs(ejected.sizeBytes - through.sizeBytes), style).toBeLessThan(5e6);
    }
    // No pipenv, no compiler, no pip cache in either form.
    for (const image of ["dockerize-python-cell/onbuild:py3.13-pipenv", "dockerize-python-cell/onbuild-ejected:py3.13-pipenv"]) {
      const leftovers = await runDocker(["run", "--rm", "--user", "0", "--entrypoint", "sh", image, "-c", "ls -d /opt/pipenv /root/.cache /opt/venv/bin/pipenv 2>/dev/null; command -v gcc || true"]);
      expect(leftovers.stdout.trim(), image).toBe("");
    }
  });
});
