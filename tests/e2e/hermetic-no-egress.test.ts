import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseSteps } from "../../packages/harness/src/checks/deps-layer-cached.ts";
import { BuildFailedError, buildImage } from "../../packages/harness/src/docker/build-image.ts";
import { runDocker } from "../../packages/harness/src/docker/run-docker.ts";
import { discoverTemplates } from "../../packages/harness/src/manifest/discover-templates.ts";
import type { Cell } from "../../packages/harness/src/matrix/cell.ts";
import { expandMatrix } from "../../packages/harness/src/matrix/expand-matrix.ts";
import { resolvedBuildArgs, trustSecrets } from "../../packages/harness/src/matrix/cell-build-args.ts";
import type { BuildEnvironment } from "../../packages/harness/src/sources/build-environment.ts";
import { prepareBuildEnvironment } from "../../packages/harness/src/sources/prepare-build-environment.ts";
import { newRunIdentity } from "../../packages/harness/src/stack/run-labels.ts";
import { keepOnlyDependencyStyle } from "../../packages/harness/src/staging/dependency-files.ts";
import { lockPipfile } from "../../packages/harness/src/staging/lock-pipfile.ts";
import { stageApp } from "../../packages/harness/src/staging/stage-app.ts";

/**
 * --mode hermetic installs Python packages with no request beyond this machine. A template's image
 * is built once unfenced (its apt-get steps reach Debian's mirror, as every user's do, and are then
 * cached), then again behind a firewall rule that rejects every packet the default bridge (where
 * builds run) sends anywhere but to this machine, which serves the local package index: with a
 * build arg declared before the install changed (a host pip may trust, added), every step from the
 * dependency install on runs again.
 * The rule counts what it rejects; the build must succeed with the count unchanged. A build step
 * that tries to reach PyPI in the same window fails, so the fence is real.
 *
 * The rule sits in Docker's DOCKER-USER chain (packets forwarded from containers; traffic to this
 * machine's own addresses is not forwarded), carries a comment naming this test, and is removed in
 * every case; no other e2e file runs at the same time (fileParallelism: false).
 */

process.env.TESTCONTAINERS_RYUK_DISABLED = "true";
const exec = promisify(execFile);
const repo = resolve(import.meta.dirname, "..", "..");
const comment = `dockerize-python-no-egress-test-${process.pid}`;
const styles = ["requirements", "pipenv"] as const;
const tags: string[] = [];
const stageDirs = new Map<string, string>();
let fenceRule: string[] | undefined;
let environment: BuildEnvironment;
let cells: Cell[];

async function rejectedPackets(): Promise<number> {
  const { stdout } = await exec("iptables", ["-L", "DOCKER-USER", "-v", "-x", "-n"]);
  const line = stdout.split("\n").find((row) => row.includes(comment));
  if (!line) throw new Error(`the fence rule (${comment}) is gone from DOCKER-USER:\n${stdout}`);
  return Number(line.trim().split(/\s+/)[0]);
}

function buildCell(cell: Cell, stageDir: string, tag: string, extraArgs: Record<string, string> = {}) {
  tags.push(tag);
  return buildImage({
    context: stageDir,
    dockerfile: join(stageDir, cell.template.manifest.dockerfile),
    tag,
    buildArgs: { ...resolvedBuildArgs(cell, environment), ...extraArgs },
    secretFiles: trustSecrets(environment),
  });
}

describe("a hermetic build behind a fence that lets nothing leave this machine", () => {
  beforeAll(async () => {
    const { stdout } = await runDocker(["network", "inspect", "bridge", "--format", "{{(index .IPAM.Config 0).Subnet}} {{(index .IPAM.Config 0).Gateway}}"]);
    const [subnet, gateway] = stdout.trim().split(" ") as [string, string];
    environment = await prepareBuildEnvironment("hermetic", [{ images: ["python:3.13-slim-trixie"] }], (line) => console.log(line));
    const templates = await discoverTemplates(join(repo, "templates"));
    // Each style's cell on 3.13, whichever kind of app the matrix's rule gives it: the Flask app is built.
    cells = styles.map((style) => expandMatrix(templates, ["slim-gunicorn"]).find((candidate) => candidate.variant.id === "py3.13" && candidate.dependencyStyle === style)!);
    // Unfenced: the apt-get steps reach Debian's mirror and are cached; the pipenv lock is made.
    for (const cell of cells) {
      const stageDir = await stageApp(join(repo, "sample-apps", "flask"), [cell.template.filesDir], cell.id);
      stageDirs.set(cell.id, stageDir);
      await keepOnlyDependencyStyle(stageDir, cell.dependencyStyle!, join(repo, "sample-apps", "flask"));
      if (cell.dependencyStyle === "pipenv") {
        await lockPipfile(stageDir, environment.imageFor("python:3.13-slim-trixie"), environment.packageIndexFor(["python:3.13-slim-trixie"]), environment.caBundle, newRunIdentity(), join(stageDir, "..", `${cell.dependencyStyle}-lock.log`));
      }
      await buildCell(cell, stageDir, `dockerize-python-no-egress-warm:${cell.dependencyStyle}-${process.pid}`);
    }
    fenceRule = ["DOCKER-USER", "-s", subnet, "!", "-d", gateway, "-m", "comment", "--comment", comment, "-j", "REJECT"];
    await exec("iptables", ["-I", ...fenceRule]);
  });

  afterAll(async () => {
    if (fenceRule) await exec("iptables", ["-D", ...fenceRule]);
    await environment?.close();
    for (const tag of tags) await runDocker(["rmi", tag]).catch(() => {});
    for (const dir of stageDirs.values()) await rm(dir, { recursive: true, force: true });
  });

  it("keeps a build step from reaching PyPI (the fence holds)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "dockerize-python-no-egress-"));
    try {
      // pip's default index, as an unconfigured build would use it: it must not be reached.
      await writeFile(
        join(dir, "Dockerfile"),
        `FROM ${environment.imageFor("python:3.13-slim-trixie")}\nRUN python -m pip download --no-deps --dest /tmp/probe --timeout 5 --retries 0 pip\n`,
      );
      const before = await rejectedPackets();
      const tag = `dockerize-python-no-egress-probe:${process.pid}`;
      tags.push(tag);
      const attempt = await buildImage({ context: dir, tag, noCache: true }).catch((error: unknown) => error);
      expect(attempt).toBeInstanceOf(BuildFailedError);
      expect(await rejectedPackets()).toBeGreaterThan(before);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it.each(styles)("installs the %s style of slim-gunicorn on Python 3.13 again from the local index, and nothing is sent beyond this machine", async (style) => {
    const cell = cells.find((candidate) => candidate.dependencyStyle === style)!;
    const before = await rejectedPackets();
    // One more (never used) host pip may trust, new each run: a build arg declared after the apt-get
    // steps and before the install, so the install step and all after it run again, the apt-get
    // steps not (and not from an earlier run of this test either).
    const index = environment.packageIndexFor(["python:3.13-slim-trixie"])!;
    const trusted = `${index.trustedHost} no-egress-${randomBytes(4).toString("hex")}.invalid`;
    const built = await buildCell(cell, stageDirs.get(cell.id)!, `dockerize-python-no-egress-fenced:${style}-${process.pid}`, { PIP_TRUSTED_HOST: trusted });
    const install = parseSteps(built.log).find((step) => step.instruction.startsWith("RUN") && step.instruction.includes("install-dependencies"));
    expect(install, "the build log shows the dependency install step").toBeDefined();
    expect(install!.cached, "the dependency install step ran again").toBe(false);
    expect(built.log).toMatch(/install-dependencies: (requirements\.txt: pip install|Pipfile\.lock: pipenv install --deploy)/);
    expect(await rejectedPackets(), "packets the fence rejected during the hermetic build").toBe(before);
  });
});
