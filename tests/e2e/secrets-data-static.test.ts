import { randomBytes } from "node:crypto";
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { type CellReport, type MatrixRunResult, runMatrix } from "@dockerize-python/harness";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { noSecretsInImage } from "../../packages/harness/src/checks/no-secrets-in-image.ts";
import { type BuildImageRequest, buildImage } from "../../packages/harness/src/docker/build-image.ts";
import { inspectImage } from "../../packages/harness/src/docker/inspect-image.ts";
import { listAnonymousVolumes } from "../../packages/harness/src/docker/list-anonymous-volumes.ts";
import { runDocker } from "../../packages/harness/src/docker/run-docker.ts";
import { ensureStandin } from "../../packages/harness/src/hermetic/standins.ts";
import { type ProbeCredentials, writeProbeCredentials } from "../../packages/harness/src/secrets/probe-credentials.ts";
import { type RunIdentity, runLabelKey } from "../../packages/harness/src/stack/run-labels.ts";

/**
 * no-secrets-in-image, data-survives-restart and static-refresh: each passes on a real template
 * cell (slim-gunicorn's files, under a name of this test's own) and fails, saying why, on a fixture
 * that breaks its promise. Hermetic mode: the Python stand-in and the local package index.
 */

const repo = resolve(import.meta.dirname, "..", "..");
const fixtures = join(import.meta.dirname, "fixtures", "no-secrets");
// Every name this test creates starts with dp-h5b- (compose projects are dp-<run id>-...).
const runId = `h5b-${randomBytes(3).toString("hex")}`;
const run: RunIdentity = { id: runId, labels: { [runLabelKey]: runId }, composeProjects: new Set() };
let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "dp-h5b-secrets-data-static-"));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe("no-secrets-in-image on small Dockerfiles FROM the Python stand-in", () => {
  let python: string;

  beforeAll(async () => {
    python = (await ensureStandin("python:3.13-slim-trixie", () => {})).image;
  });

  /**
   * The check, run on `fixture` as the cell's docker/Dockerfile. `ownBuild`: the cell's image is
   * built first as the matrix builds it for this check (throwaway credentials with a marker, see
   * markedBuildSecrets), with BuildKit's cache ("cached") or without it ("uncached"); else the
   * check builds again itself. `userBuild`: before that, a build of the same Dockerfile that is not
   * the harness's (uncached, with a secret of its own), as a user's build would fill the cache.
   */
  async function checkFixture(fixture: string, ownBuild?: "cached" | "uncached", userBuild?: Record<string, string>) {
    const stageDir = await mkdtemp(join(scratch, `${fixture}-`));
    await mkdir(join(stageDir, "docker"));
    await cp(join(fixtures, `${fixture}.Dockerfile`), join(stageDir, "docker", "Dockerfile"));
    const image = `dp-h5b-no-secrets-${fixture}${ownBuild ? "-own" : ""}:${runId}`;
    const build = (changes: Partial<BuildImageRequest> = {}) => buildImage({ context: stageDir, dockerfile: join(stageDir, "docker", "Dockerfile"), tag: image, buildArgs: { PYTHON_IMAGE: python }, ...changes });
    if (userBuild) {
      await build({ tag: `${image}-user`, secretFiles: userBuild, noCache: true });
      await runDocker(["rmi", `${image}-user`]);
    }
    let cellBuild: { log: string; marked: ProbeCredentials | undefined } = { log: "", marked: undefined };
    let layers: string[] = [];
    if (ownBuild) {
      // Outside the build context, as the matrix keeps them.
      const marked = await writeProbeCredentials(await mkdtemp(join(scratch, "marked-")), ["netrc"], ["default"]);
      cellBuild = { log: (await build({ secretFiles: marked.secretFiles, ssh: marked.ssh, noCache: ownBuild === "uncached" })).log, marked };
      layers = (await inspectImage(image)).layers;
    }
    const outcome = await noSecretsInImage({
      image,
      stageDir,
      templateFiles: { dir: stageDir, dockerfile: "docker/Dockerfile", templatesDir: scratch },
      rebuild: build,
      cellBuild,
      facts: { layers },
      secretFiles: {},
      log: () => {},
    });
    // The probe image is the check's to remove; nothing of it may stay.
    expect((await runDocker(["images", "--quiet", `${image}-secrets-probe`])).stdout.trim()).toBe("");
    if (ownBuild) await runDocker(["rmi", image]).catch(() => {});
    return outcome;
  }

  it("passes a Dockerfile that reads its netrc and ssh agent only inside the RUN that mounts them", async () => {
    const outcome = await checkFixture("safe");
    expect(outcome.status, outcome.detail).toBe("pass");
    expect(outcome.detail).toMatch(/^built again \(its build carried no marker\): --secret id=netrc, --ssh default \(a new key\) carried a random marker into 1 RUN step\(s\) that ran uncached/);
    expect(outcome.detail).toMatch(/not found in \d+ layers \(\d+ files, \d+ MB\), the image config, its \d+ history entries, \d+ build cache records or the build log/);
  });

  it("searches the cell's own image, building nothing, when its build carried the marker and ran the mounting steps", async () => {
    const safe = await checkFixture("safe", "uncached");
    expect(safe.status, safe.detail).toBe("pass");
    expect(safe.detail).toMatch(/^the cell's own build: --secret id=netrc, --ssh default \(a new key\) carried a random marker into 1 RUN step\(s\) that ran uncached/);
    const leaking = await checkFixture("written-in-run", "uncached");
    expect(leaking.status).toBe("fail");
    expect(leaking.detail).toMatch(/the marker passed in --secret id=netrc in layer \d+ of \d+ \(RUN .*\): \/root\/\.config\/pip-login/);
  });

  it("builds nothing when a cached build gives back the layers of an image it proved clean, and builds again when they are a user's", async () => {
    // The cache now holds what a marked, searched build made: its layers are recorded and come back.
    expect((await checkFixture("safe", "uncached")).status).toBe("pass");
    const cached = await checkFixture("safe", "cached");
    expect(cached.status, cached.detail).toBe("pass");
    expect(cached.detail).toMatch(/^nothing built again: every one of the image's \d+ layers is, byte for byte \(its diffID\), a layer of an image built earlier/);
    expect(cached.detail).toMatch(/1 of its 1 mounting step\(s\) came from the cache/);
    // A user's uncached build of the same steps with another secret fills the cache: its layers
    // are no proven image's, so the check builds again, and the leak is found.
    const userSecret = join(scratch, "user-netrc");
    await writeFile(userSecret, "machine pypi.example.invalid login user password not-the-marker\n", { mode: 0o600 });
    const leaking = await checkFixture("written-in-run", "cached", { netrc: userSecret });
    expect(leaking.status).toBe("fail");
    expect(leaking.detail).toMatch(/the marker passed in --secret id=netrc in layer \d+ of \d+ \(RUN .*\): \/root\/\.config\/pip-login/);
  });

  it.each([
    // The final stage copies what another stage wrote from the mount: found in a layer, with its file.
    ["copied-from-stage", /the marker passed in --secret id=netrc in layer \d+ of \d+ \(COPY \/tmp\/credentials \/etc\/app\/credentials[^)]*\): \/etc\/app\/credentials/],
    // The seed article's pattern: a RUN writes the credential into a file of its layer.
    ["written-in-run", /the marker passed in --secret id=netrc in layer \d+ of \d+ \(RUN .*\): \/root\/\.config\/pip-login/],
    // Out of the image, but printed by the step: the build (CI) log holds it.
    ["printed", /the marker passed in --secret id=netrc in the build log/],
  ])("fails %s, naming where the marker was found", async (fixture, where) => {
    const outcome = await checkFixture(fixture);
    expect(outcome.status).toBe("fail");
    expect(outcome.detail).toMatch(where);
    expect(outcome.detail).toContain("Fix: read a credential only inside the RUN that mounts it");
  });

  it.each([
    ["secret-arg", /docker\/Dockerfile:4 \[no-secret-names\] ARG SSH_KEY looks like a secret/],
    ["credentials-in-env", /docker\/Dockerfile:4 \[no-secret-names\] ENV PIP_INDEX_URL has credentials in its URL/],
    ["no-mount", /docker\/Dockerfile mounts no BuildKit secret or ssh agent.*Fix: give the dependency install step RUN --mount=type=secret/s],
  ])("fails %s before building anything", async (fixture, reason) => {
    const outcome = await checkFixture(fixture);
    expect(outcome.status).toBe("fail");
    expect(outcome.detail).toMatch(reason);
  });
});

describe("the compose checks on a real template cell and on compose files that break them", () => {
  const real = "dp-h5b-gunicorn/py3.13-requirements";
  const anonymousDb = "dp-h5b-db-anonymous/py3.13-requirements";
  const staticVolume = "dp-h5b-static-volume/py3.13-requirements";
  // A volume of some other (a user's) compose project: the checks' `down --volumes` must never touch it.
  const userVolume = `dp-${runId}-user_db-data`;
  let result: MatrixRunResult;
  let anonymousVolumesBefore: Set<string>;
  const cell = (id: string): CellReport => {
    const found = result.report.cells.find((c) => c.id === id);
    if (!found) throw new Error(`no cell ${id}; cells: ${result.report.cells.map((c) => c.id).join(", ")}`);
    return found;
  };
  const check = (id: string, name: string) => cell(id).checks.find((c) => c.name === name);

  beforeAll(async () => {
    const templatesDir = join(scratch, "templates");
    await cp(join(repo, "templates", "caddy"), join(templatesDir, "caddy"), { recursive: true });
    await templateFrom("slim-gunicorn", "dp-h5b-gunicorn", ["no-secrets-in-image", "compose-up", "data-survives-restart", "static-refresh"], (compose) => compose);
    // The database's data directory on no named volume: it goes with its container on `down`.
    await templateFrom("slim-gunicorn", "dp-h5b-db-anonymous", ["data-survives-restart"], (compose) =>
      replaceOnce(compose, "    volumes:\n      - db-data:/var/lib/postgresql/data\n", ""),
    );
    // The seed article's compose file: the app and Caddy share static files through a named volume.
    await templateFrom("slim-gunicorn", "dp-h5b-static-volume", ["static-refresh"], (compose) => {
      let shared = replaceOnce(compose, "      - app-data:/var/lib/app\n", "      - app-data:/var/lib/app\n      - static-files:/app/static\n");
      shared = replaceOnce(shared, "      - caddy-config:/config\n", "      - caddy-config:/config\n      - static-files:/srv/static\n");
      return replaceOnce(shared, "\n  caddy-config:\n", "\n  caddy-config:\n  static-files:\n");
    });
    await runDocker(["volume", "create", "--label", `com.docker.compose.project=dp-${runId}-user`, userVolume]);

    anonymousVolumesBefore = new Set(await listAnonymousVolumes());
    result = await runMatrix(
      { templatesDir, appDirs: { wsgi: join(repo, "sample-apps", "flask") }, reportDir: join(scratch, "report"), cells: [real, anonymousDb, staticVolume], mode: "hermetic", run },
      () => {},
    );

    /** templates/<source> copied as `name`, with one variant, the checks given and its compose file changed by `edit`. */
    async function templateFrom(source: string, name: string, checks: string[], edit: (compose: string) => string) {
      const dir = join(templatesDir, name);
      await cp(join(repo, "templates", source), dir, { recursive: true, filter: (path) => !path.includes("node_modules") });
      const manifest = JSON.parse(await readFile(join(dir, "template.json"), "utf8"));
      await writeFile(join(dir, "template.json"), JSON.stringify({ ...manifest, name, checks, variants: manifest.variants.filter((v: { id: string }) => v.id === "py3.13") }));
      const packageJson = JSON.parse(await readFile(join(dir, "package.json"), "utf8"));
      await writeFile(join(dir, "package.json"), JSON.stringify({ ...packageJson, name: `@dockerize-python/template-${name}` }));
      const composeFile = join(dir, "files", "compose.yaml");
      await writeFile(composeFile, edit(await readFile(composeFile, "utf8")));
    }
  });

  afterAll(async () => {
    await runDocker(["volume", "rm", userVolume]).catch(() => {});
    const images = (await runDocker(["images", "--quiet", "--filter", "reference=dockerize-python-cell/dp-h5b-*"])).stdout.split("\n").filter(Boolean);
    if (images.length) await runDocker(["rmi", "--force", ...new Set(images)]).catch(() => {});
  });

  it("passes every check on the real template's files", () => {
    const failing = cell(real).checks.filter((c) => c.status !== "pass");
    expect(failing, JSON.stringify(failing, null, 2)).toEqual([]);
    // Which of its three proofs the check takes depends on what this machine built before (its own
    // build on a cold cache; the record of layers proven earlier; else it builds again): each is
    // tested above. Here: the whole list of secrets the real template's build mounts.
    const proof = check(real, "no-secrets-in-image")?.detail ?? "";
    expect(proof).toMatch(/^(the cell's own build: |nothing built again: |built again \()/);
    expect(proof).toMatch(/(?:--secret id=ca_bundle, )?--secret id=known_hosts, --secret id=netrc, --secret id=pip_conf, --ssh default \(a new key\) carr(ied|ying) a random marker/);
    expect(check(real, "data-survives-restart")?.detail).toMatch(/3 rows written through POST \/visits \(count 3\); after `compose down` \+ `up`: 3 \(named volumes kept: app-data, caddy-config, caddy-data, db-data\); after `down --volumes` \+ `up`: 0/);
    expect(check(real, "static-refresh")?.detail).toMatch(/changed static\/hello\.txt; after `compose up --build` \([\d.]+ s\) the proxy serves the new file/);
  });

  it("data-survives-restart fails when the database is on no named volume", () => {
    const outcome = check(anonymousDb, "data-survives-restart");
    expect(outcome?.status).toBe("fail");
    expect(outcome?.detail).toMatch(/rows were lost: 3 before `docker compose down` and `up`, 0 after/);
    expect(outcome?.detail).toContain("Fix: mount a named volume at PostgreSQL's data directory");
  });

  it("static-refresh fails when static files are shared through a named volume, as in the seed article", () => {
    const outcome = check(staticVolume, "static-refresh");
    expect(outcome?.status).toBe("fail");
    expect(outcome?.detail).toMatch(/after changing static\/hello\.txt and `docker compose up --build`, \/static\/hello\.txt still serves the OLD file/);
  });

  it("leaves no compose project, container or volume of its own, and never touches another project's volume", async () => {
    const own = await runDocker(["volume", "ls", "--quiet", "--filter", `name=dp-${runId}-`]);
    expect(own.stdout.split("\n").filter(Boolean)).toEqual([userVolume]);
    const containers = await runDocker(["ps", "--all", "--quiet", "--filter", `name=dp-${runId}-`]);
    expect(containers.stdout.trim()).toBe("");
    // The database with no named volume got a new anonymous one on each `up`: none may be left.
    expect((await listAnonymousVolumes()).filter((volume) => !anonymousVolumesBefore.has(volume))).toEqual([]);
  });
});

function replaceOnce(text: string, from: string, to: string): string {
  const at = text.indexOf(from);
  if (at < 0 || text.indexOf(from, at + 1) >= 0) throw new Error(`the fixture expects exactly one ${JSON.stringify(from)} in the template's compose file`);
  return text.slice(0, at) + to + text.slice(at + from.length);
}
