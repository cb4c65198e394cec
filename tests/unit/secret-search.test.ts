import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { rootCertificates } from "node:tls";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lintDockerfile } from "@dockerize-python/harness";
import { chooseSecretProof } from "../../packages/harness/src/checks/no-secrets-in-image.ts";
import { parseDockerfile } from "../../packages/harness/src/lint/parse-dockerfile.ts";
import { writeProbeCredentials } from "../../packages/harness/src/secrets/probe-credentials.ts";
import { NeedleScanner } from "../../packages/harness/src/secrets/search-image.ts";
import { dockerfileDigest, readSecretFreeLayers, recordSecretFreeLayers } from "../../packages/harness/src/secrets/secret-free-layers.ts";
import { secretMounts } from "../../packages/harness/src/secrets/secret-mounts.ts";

let scratch: string;
beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "dockerize-python-secret-search-"));
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe("NeedleScanner", () => {
  const needle = { label: "the marker", bytes: Buffer.from("secret-marker-0123456789") };

  it("finds a needle split across any two chunks, and only a whole one", () => {
    const text = Buffer.from(`prefix ${needle.bytes.toString()} suffix`);
    for (let cut = 1; cut < text.length; cut += 1) {
      const scanner = new NeedleScanner([needle]);
      scanner.feed(text.subarray(0, cut));
      scanner.feed(text.subarray(cut));
      expect(scanner.found(), `cut at ${cut}`).toEqual(["the marker"]);
    }
    const partial = new NeedleScanner([needle]);
    partial.feed(Buffer.from("secret-marker-01234"));
    partial.feed(Buffer.from("x6789"));
    expect(partial.found()).toEqual([]);
  });
});

describe("secretMounts", () => {
  it("finds secret and ssh ids, defaulting as BuildKit does, and the stages their steps run in", () => {
    const dockerfile = parseDockerfile(
      "Dockerfile",
      [
        "FROM python:3.13-slim-trixie AS builder",
        "RUN --mount=type=cache,target=/root/.cache \\",
        "    --mount=type=secret,id=netrc,target=/root/.netrc \\",
        "    --mount=type=secret,target=/etc/pip.conf \\",
        "    --mount=type=ssh \\",
        "    pip install -r requirements.txt",
        "FROM python:3.13-slim-trixie AS base",
        "ONBUILD RUN --mount=type=ssh,id=deploy git clone git@example.invalid:x.git",
        "FROM base AS app",
        "RUN --mount=type=cache,target=/root/.cache true",
        "FROM python:3.13-slim-trixie",
        "RUN true",
      ].join("\n"),
    );
    expect(secretMounts(dockerfile)).toEqual({
      secretIds: ["netrc", "pip.conf"],
      sshIds: ["default", "deploy"],
      // base declares the trigger, app is where it runs; the last stage mounts nothing.
      stages: [
        { name: "builder", line: 1 },
        { name: "app", line: 9 },
      ],
    });
  });

  it("finds the mounts of every template's install step", async () => {
    for (const file of ["slim-uwsgi/files/docker/Dockerfile", "alpine/files/docker/Dockerfile", "onbuild/files/docker/onbuild/Dockerfile"]) {
      const text = await readFile(join(import.meta.dirname, "..", "..", "templates", file), "utf8");
      const mounts = secretMounts(parseDockerfile(file, text));
      // ca_bundle: the CA bundle the harness gives every build (and a user behind a TLS-inspecting proxy).
      expect(mounts.secretIds, file).toEqual(["ca_bundle", "known_hosts", "netrc", "pip_conf"]);
      expect(mounts.sshIds, file).toEqual(["default"]);
      // onbuild: its builder stage (uWSGI for the base) takes the CA bundle too; its app stage's triggers every mount.
      expect(mounts.stages.map((stage) => stage.name), file).toEqual(file.includes("onbuild") ? ["builder", "app"] : ["builder"]);
    }
  });
});

describe("writeProbeCredentials", () => {
  it("writes a private file per secret carrying one random marker, and a new ssh key per ssh id", async () => {
    const dir = await mkdtemp(join(scratch, "probe-"));
    const probe = await writeProbeCredentials(dir, ["netrc", "pip_conf"], ["default"]);
    expect(probe.marker).toMatch(/^dockerize-python-secret-probe-[0-9a-f]{32}$/);
    expect(await readFile(probe.secretFiles.netrc!, "utf8")).toBe(`machine secret-probe.invalid login probe password ${probe.marker}\n`);
    // A comment: pip reads the file as INI and must not fail on it.
    expect(await readFile(probe.secretFiles.pip_conf!, "utf8")).toBe(`# ${probe.marker}\n`);
    expect((await stat(probe.secretFiles.netrc!)).mode & 0o777).toBe(0o600);
    const key = await readFile(probe.ssh.default!, "utf8");
    expect(key).toMatch(/^-----BEGIN PRIVATE KEY-----\n[A-Za-z0-9+/=]+\n-----END PRIVATE KEY-----\n$/);
    expect(probe.needles.map((needle) => needle.label)).toEqual(["the marker passed in --secret id=netrc, id=pip_conf", "the private key forwarded with --ssh default"]);
    expect(key).toContain(probe.needles[1]!.bytes.toString());
    const again = await writeProbeCredentials(await mkdtemp(join(scratch, "probe-")), ["netrc"], []);
    expect(again.marker).not.toBe(probe.marker);
  });

  it("keeps the content of a secret the build is given anyway, with the marker appended", async () => {
    const dir = await mkdtemp(join(scratch, "probe-"));
    // Two real CA certificates, as the machine's bundle has them (its last line without a newline).
    const bundle = join(dir, "machine-ca.pem");
    const certificates = rootCertificates.slice(0, 2).join("\n");
    await writeFile(bundle, certificates);
    const netrc = join(dir, "machine-netrc");
    await writeFile(netrc, "machine index.invalid login builder password kept\n\n");

    const probe = await writeProbeCredentials(dir, ["ca_bundle", "netrc", "pip_conf"], [], { ca_bundle: bundle, netrc, unmounted: bundle });
    // The certificates stay as they were, so pip still trusts the proxy; PEM readers skip the comment after them.
    const written = await readFile(probe.secretFiles.ca_bundle!, "utf8");
    expect(written).toBe(`${certificates}\n# ${probe.marker}\n`);
    expect(written.match(/-----BEGIN CERTIFICATE-----/g)).toHaveLength(2);
    expect((await stat(probe.secretFiles.ca_bundle!)).mode & 0o777).toBe(0o600);
    // A netrc keeps its machines and still gets a login line carrying the marker.
    expect(await readFile(probe.secretFiles.netrc!, "utf8")).toBe(
      `machine index.invalid login builder password kept\nmachine secret-probe.invalid login probe password ${probe.marker}\n`,
    );
    expect(await readFile(probe.secretFiles.pip_conf!, "utf8")).toBe(`# ${probe.marker}\n`);
    // What was given is read, never changed; a given secret the Dockerfile does not mount gets no file.
    expect(await readFile(bundle, "utf8")).toBe(certificates);
    expect(Object.keys(probe.secretFiles).sort()).toEqual(["ca_bundle", "netrc", "pip_conf"]);
    expect(probe.needles.map((needle) => needle.label)).toEqual(["the marker passed in --secret id=ca_bundle, id=netrc, id=pip_conf"]);
  });
});

describe("the no-secret-files lint rule", () => {
  const rules = (text: string) => lintDockerfile("Dockerfile", `${text}\nUSER 10001:10001\nCMD ["python"]\n`).map((finding) => `${finding.line} ${finding.rule}`);

  it("flags a credential file copied from the context or another stage, also in a trigger", () => {
    expect(rules("FROM python:3.13-slim-trixie\nCOPY .netrc /root/.netrc")).toEqual(["2 no-secret-files"]);
    expect(rules("FROM python:3.13-slim-trixie\nCOPY --from=keys /root/.ssh/ /root/.ssh/")).toEqual(["2 no-secret-files"]);
    expect(rules("FROM python:3.13-slim-trixie\nONBUILD COPY deploy/id_rsa /tmp/key")).toEqual(["2 no-secret-files"]);
    expect(rules("FROM python:3.13-slim-trixie\nADD .env /app/.env")).toEqual(["2 no-secret-files"]);
  });

  it("leaves the app's code, example files and public keys alone", () => {
    expect(rules("FROM python:3.13-slim-trixie\nCOPY . /app\nCOPY .env.example id_ed25519.pub /app/")).toEqual([]);
  });
});

describe("chooseSecretProof", () => {
  const run = (stage: string, cached: boolean) => ({ stage, instruction: "RUN --mount=type=secret,id=netrc,target=/root/.netrc pip install -r requirements.txt", cached });
  const copy = { stage: "app", instruction: "COPY . /app", cached: false };
  const layer = (n: number) => `sha256:${String(n).repeat(64).slice(0, 64)}`;
  const layers = [layer(1), layer(2), layer(3)];

  it("searches the cell's own image when its marked build ran every mounting step", () => {
    const proof = chooseSecretProof({ steps: [run("builder", false), copy, run("app", false)], marked: true }, layers, new Set());
    expect(proof.kind).toBe("own-build");
  });

  it("takes the recorded proof only when every layer of the image is recorded", () => {
    const steps = [run("builder", true), copy];
    expect(chooseSecretProof({ steps, marked: true }, layers, new Set(layers)).kind).toBe("recorded-layers");
    // One layer that no searched build made (a user's build ran the step with its own secret): build again.
    const partly = chooseSecretProof({ steps, marked: true }, layers, new Set([layer(1), layer(2)]));
    expect(partly).toEqual({ kind: "build-again", why: "its build took 1 of its 1 mounting step(s) from the cache, and 1 of its 3 layers are in no image proven earlier" });
    // An image with no layers listed proves nothing.
    expect(chooseSecretProof({ steps, marked: true }, [], new Set(layers)).kind).toBe("build-again");
  });

  it("builds again when some mounting steps came from the cache, or the build carried no marker", () => {
    expect(chooseSecretProof({ steps: [run("builder", false), run("app", true)], marked: true }, layers, new Set()).kind).toBe("build-again");
    expect(chooseSecretProof({ steps: [run("builder", false)], marked: false }, layers, new Set(layers))).toEqual({ kind: "build-again", why: "its build carried no marker" });
    expect(chooseSecretProof({ steps: [copy], marked: true }, layers, new Set())).toEqual({
      kind: "build-again",
      why: "its build log shows no step that mounts a secret or the ssh agent, and 3 of its 3 layers are in no image proven earlier",
    });
  });
});

describe("the record of secret-free layers", () => {
  const dockerfile = dockerfileDigest("FROM python\nRUN --mount=type=secret,id=netrc true\n");
  const other = dockerfileDigest("FROM python\n");
  const layer = (c: string) => `sha256:${c.repeat(64)}`;

  it("keeps each Dockerfile's layers apart, once each, and skips lines it cannot read", async () => {
    const file = join(scratch, "records", "secret-free-layers");
    expect(await readSecretFreeLayers(file, dockerfile)).toEqual(new Set());
    await recordSecretFreeLayers(file, dockerfile, [layer("a"), layer("b")]);
    await recordSecretFreeLayers(file, dockerfile, [layer("b"), layer("c"), "not-a-digest"]);
    await recordSecretFreeLayers(file, other, [layer("d")]);
    await writeFile(file, `${await readFile(file, "utf8")}${dockerfile} sha256:torn\n${dockerfile} ${layer("e")} extra\n`);
    expect(await readSecretFreeLayers(file, dockerfile)).toEqual(new Set([layer("a"), layer("b"), layer("c")]));
    expect(await readSecretFreeLayers(file, other)).toEqual(new Set([layer("d")]));
    expect((await readFile(file, "utf8")).split("\n").filter((line) => line.endsWith(layer("b")))).toHaveLength(1);
  });
});
