import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDocker } from "../../packages/harness/src/docker/run-docker.ts";
import { runProcess } from "../../packages/harness/src/process/run-process.ts";
import { ensureRegistryImage, type LocalRegistry, pushImage, startLocalRegistry } from "../../packages/harness/src/registry/start-local-registry.ts";
import { type RunIdentity, removeRunResources, runLabelKey } from "../../packages/harness/src/stack/run-labels.ts";
import { assertCliBuilt, runCli } from "../unit/fixtures/run-cli.ts";
import { validManifest, writeTemplate } from "../unit/fixtures/template-fixture.ts";

/**
 * `update` against a real registry (CNCF distribution's stand-in on 127.0.0.1) given as --registry:
 * two tiny images pushed as python:3.13-alpine3.23 and python:3.13-alpine3.24 (the second also as
 * its patch tag 3.13.14-alpine3.24); a template on 3.13-alpine3.23 is proposed the newer release
 * pinned by the digest the push reported, and --write puts it in its manifest. No template builds.
 */
const id = `pin-${randomBytes(3).toString("hex")}`;
const run: RunIdentity = { id, labels: { [runLabelKey]: id }, composeProjects: new Set() };
const images = [`dp-${id}-old:1`, `dp-${id}-new:1`];

let work: string;
let registry: LocalRegistry;
let pushed: Record<string, string>;
let templatesDir: string;

/** A one-file image from `docker import` (no build): its content, so its digest, differs by `text`. */
async function importTinyImage(tag: string, text: string): Promise<void> {
  const dir = await mkdtemp(join(work, "rootfs-"));
  await writeFile(join(dir, "release"), `${text}\n`);
  await runProcess("tar", ["-C", dir, "-cf", join(dir, "..", `${text}.tar`), "release"]);
  await runDocker(["import", join(dir, "..", `${text}.tar`), tag]);
}

beforeAll(async () => {
  assertCliBuilt();
  work = await mkdtemp(join(tmpdir(), "dockerize-python-update-"));
  registry = await startLocalRegistry({ run, name: "update-registry", image: await ensureRegistryImage(true) });
  await importTinyImage(images[0]!, "alpine3.23");
  await importTinyImage(images[1]!, "alpine3.24");
  pushed = {};
  for (const [image, tag] of [[images[0]!, "3.13-alpine3.23"], [images[1]!, "3.13-alpine3.24"], [images[1]!, "3.13.14-alpine3.24"]] as const) {
    const ref = `${registry.host}/library/python:${tag}`;
    pushed[tag] = await pushImage(image, ref);
    await runDocker(["rmi", ref]);
  }
  const manifest = validManifest("alp") as { variants: unknown[]; buildArgs: Record<string, Record<string, unknown>> };
  manifest.buildArgs.PYTHON_IMAGE!.default = "python:3.13-alpine3.23";
  manifest.variants = [{ id: "py3.13", python: "3.13", baseImages: { PYTHON_IMAGE: "python:3.13-alpine3.23" }, sizeBudgetMB: 150 }];
  templatesDir = join(work, "templates");
  await writeTemplate(templatesDir, "alp", {
    manifest,
    files: { "docker/Dockerfile": "ARG PYTHON_IMAGE=python:3.13-alpine3.23\nFROM ${PYTHON_IMAGE}\nARG PIP_INDEX_URL WORKERS=2\n", "compose.yaml": "services: {}\n" },
  });
}, 120_000);

afterAll(async () => {
  await registry?.stop();
  await removeRunResources(run);
  for (const image of images) await runDocker(["rmi", image]).catch(() => {});
  if (work) await rm(work, { recursive: true, force: true });
});

describe("update against a local registry", () => {
  it("proposes the newer Alpine release pinned by its digest, says which image it could not ask about, and writes the proposal", async () => {
    expect(pushed["3.13-alpine3.24"]).toBe(pushed["3.13.14-alpine3.24"]);
    const proposed = `python:3.13-alpine3.24@${pushed["3.13-alpine3.24"]}`;
    const args = ["update", "--templates", templatesDir, "--registry", `http://${registry.host}`];

    const strict = runCli([...args, "--strict"]);
    expect(strict.stdout).toContain(`↑ python:3.13-alpine3.23\n  -> ${proposed}\n    3.13-alpine3.23 -> 3.13-alpine3.24, the newest release of the line`);
    expect(strict.stdout).toContain("the same image as 3.13.14-alpine3.24");
    // The fixture's database image is not in this registry: said, with the cause, and --strict fails for it.
    expect(strict.stdout).toMatch(/\? postgres:17-trixie: not answered: http:\/\/127\.0\.0\.1:\d+ answered 404 .*\n {4}Fix: check that --registry/);
    expect(strict.status).toBe(1);

    const written = runCli([...args, "--write"]);
    expect(written.stderr).toBe(`==> asking http://${registry.host} about library/postgres:17-trixie\n==> asking http://${registry.host} about library/python:3.13-alpine3.23\n`);
    expect(written.status).toBe(0);
    expect(written.stdout).toContain("Wrote alp/template.json.");
    expect(written.stdout).toContain(`still names python:3.13-alpine3.23: alp/files/docker/Dockerfile:1`);
    const manifest = JSON.parse(await readFile(join(templatesDir, "alp", "template.json"), "utf8")) as { buildArgs: { PYTHON_IMAGE: { default: string } }; variants: Array<{ baseImages: Record<string, string> }> };
    expect(manifest.buildArgs.PYTHON_IMAGE.default).toBe(proposed);
    expect(manifest.variants[0]!.baseImages.PYTHON_IMAGE).toBe(proposed);

    const again = runCli(args);
    expect(again.stdout).toContain(`= ${proposed}: current (3.13-alpine3.24 still names ${pushed["3.13-alpine3.24"]})`);
  });
});
