import { mkdir, writeFile } from "node:fs/promises";
import { basename, dirname, resolve } from "node:path";
import { assertDockerEngine } from "../docker/assert-docker-engine.ts";
import { imageExists } from "../docker/inspect-image.ts";
import { ExplainedError } from "../explained-error.ts";
import { spdxPackages } from "./image-spdx.ts";
import { imageProvenanceFacts, provenanceStatement, sha256 } from "./image-provenance.ts";
import { ensureSyft, imageSpdxSbom, syftName } from "./syft.ts";

export interface WriteImageSbomRequest {
  image: string;
  /** Where the SPDX JSON goes; the provenance goes beside it (see provenanceFileFor). */
  output: string;
  /** The Dockerfile the image was built from: its digest goes into the provenance. */
  dockerfile?: string;
  /** What `docker buildx build --metadata-file` wrote for the image's build. */
  buildMetadataFile?: string;
  log?: (line: string) => void;
}

export interface WrittenImageSbom {
  sbomFile: string;
  provenanceFile: string;
  /** How many packages of each kind the SBOM lists (Debian, Alpine, Python). */
  counts: { deb: number; apk: number; python: number; all: number };
  seconds: number;
}

/** `app.spdx.json` -> `app.provenance.json`; any other name gets `.provenance.json` added. */
export function provenanceFileFor(sbomFile: string): string {
  const name = basename(sbomFile);
  const stem = name.replace(/\.spdx\.json$|\.json$/, "");
  return resolve(dirname(sbomFile), `${stem}.provenance.json`);
}

/**
 * Writes the SBOM of a local image (syft, SPDX JSON: its OS packages, Python distributions, Go
 * modules) and, beside it, its provenance record (image-provenance.ts: the equivalent of BuildKit's
 * provenance attestation, which the classic image store cannot hold).
 */
export async function writeImageSbom(request: WriteImageSbomRequest): Promise<WrittenImageSbom> {
  const log = request.log ?? (() => {});
  await assertDockerEngine();
  if (!(await imageExists(request.image))) {
    throw new ExplainedError(`There is no image ${request.image} in the Docker engine.\nFix: build it first (docker compose build, or docker buildx build --load -t ${request.image} ...), or name a local image (docker image ls).`);
  }
  const syft = await ensureSyft(log);
  const started = performance.now();
  log(`${syftName}: scanning ${request.image}`);
  const sbom = await imageSpdxSbom(syft, request.image);
  const seconds = (performance.now() - started) / 1000;
  const sbomFile = resolve(request.output);
  const provenanceFile = provenanceFileFor(sbomFile);
  // Gathered before anything is written: a wrong --build-metadata leaves no SBOM without its provenance.
  const facts = await imageProvenanceFacts({
    image: request.image,
    dockerfile: request.dockerfile && resolve(request.dockerfile),
    buildMetadataFile: request.buildMetadataFile,
    sbom: { file: basename(sbomFile), sha256: sha256(sbom), tool: syftName },
  });
  await mkdir(dirname(sbomFile), { recursive: true });
  await writeFile(sbomFile, sbom);
  await writeFile(provenanceFile, `${JSON.stringify(provenanceStatement(facts), null, 2)}\n`);
  const listed = spdxPackages(sbom);
  const count = (kind: string) => listed.filter((item) => item.kind === kind).length;
  return { sbomFile, provenanceFile, counts: { deb: count("deb"), apk: count("apk"), python: count("python"), all: listed.length }, seconds };
}
