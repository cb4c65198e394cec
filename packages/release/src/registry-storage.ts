import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { ExplainedError } from "@dockerize-python/harness";
import type { LocalNpmRegistry } from "./start-verdaccio.ts";

/** A package as the rehearsal published it: what the local registry's storage holds for it. */
export interface PublishedPackage {
  name: string;
  version: string;
  /** The tarball in the registry's storage. */
  tarball: string;
  bytes: number;
  shasum: string;
}

/** The local registry's storage does not prove a package was published there and only there. */
export class NotPublishedLocallyError extends ExplainedError {
  constructor(problems: readonly string[], storageDir: string) {
    super(
      `The local registry's storage (${storageDir}) does not show every public package published there, and only there:\n  ${problems.join("\n  ")}\n` +
        "Fix: read `changeset publish`'s output above; a package missing here was not published (a failed prepack build, say), one with an uplink came from elsewhere.",
    );
  }
}

/** Verdaccio's per-package file (`<storage>/<name>/package.json`), the fields the proof reads. */
interface StoredMetadata {
  versions?: Record<string, { dist?: { shasum?: string; tarball?: string } }>;
  _attachments?: Record<string, { shasum?: string; version?: string }>;
  _uplinks?: Record<string, unknown>;
  _distfiles?: Record<string, unknown>;
}

/**
 * Proves from the registry's own storage and log that each of `expected` was published to it:
 * its version is stored with an attachment (a publish; a package fetched through an uplink has
 * none, and `_uplinks`/`_distfiles` entries instead), the tarball is there with the shasum its
 * metadata names, and the registry never asked its uplink about any of our names. Every package it
 * holds without an uplink must be one of `expected` (nothing else was published).
 */
export async function assertPublishedLocally(registry: LocalNpmRegistry, expected: ReadonlyArray<{ name: string; version: string }>): Promise<PublishedPackage[]> {
  const problems: string[] = [];
  const published: PublishedPackage[] = [];
  for (const { name, version } of expected) {
    const dir = join(registry.storageDir, name);
    const metadata = await readMetadata(dir);
    if (!metadata) {
      problems.push(`${name}: nothing stored`);
      continue;
    }
    if (Object.keys(metadata._uplinks ?? {}).length || Object.keys(metadata._distfiles ?? {}).length) problems.push(`${name}: came through an uplink (${Object.keys(metadata._uplinks ?? {}).join(", ")})`);
    const attachment = Object.entries(metadata._attachments ?? {}).find(([, value]) => value.version === version);
    const shasum = metadata.versions?.[version]?.dist?.shasum;
    if (!attachment || !shasum) {
      problems.push(`${name}@${version}: not published here (stored versions: ${Object.keys(metadata.versions ?? {}).join(", ") || "none"})`);
      continue;
    }
    const tarball = join(dir, attachment[0]);
    const bytes = await readFile(tarball).catch(() => undefined);
    if (!bytes) {
      problems.push(`${name}@${version}: its tarball ${attachment[0]} is not in the storage`);
      continue;
    }
    const actual = createHash("sha1").update(bytes).digest("hex");
    if (actual !== shasum) problems.push(`${name}@${version}: the stored tarball's sha1 ${actual} is not the published ${shasum}`);
    published.push({ name, version, tarball, bytes: bytes.length, shasum: actual });
  }
  const expectedNames = new Set(expected.map((entry) => entry.name));
  for (const name of await storedNames(registry.storageDir)) {
    const metadata = await readMetadata(join(registry.storageDir, name));
    const local = metadata && !Object.keys(metadata._uplinks ?? {}).length;
    if (local && !expectedNames.has(name)) problems.push(`${name}: published here but not a public package of the workspace`);
  }
  // Every one of our names (dockerize-python, @dockerize-python/...) contains this; no third-party one does.
  for (const url of await uplinkRequests(registry.logFile)) {
    if (decodeURIComponent(url).includes("dockerize-python")) problems.push(`the registry asked its uplink for ${url}`);
  }
  if (problems.length) throw new NotPublishedLocallyError(problems, registry.storageDir);
  return published;
}

async function readMetadata(dir: string): Promise<StoredMetadata | undefined> {
  const text = await readFile(join(dir, "package.json"), "utf8").catch(() => undefined);
  return text === undefined ? undefined : (JSON.parse(text) as StoredMetadata);
}

/** Every package name the storage has a folder for (`name`, `@scope/name`). */
async function storedNames(storageDir: string): Promise<string[]> {
  const names: string[] = [];
  for (const entry of await readdir(storageDir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    if (!entry.name.startsWith("@")) names.push(entry.name);
    else for (const inner of await readdir(join(storageDir, entry.name))) names.push(`${entry.name}/${inner}`);
  }
  return names;
}

/** The URLs Verdaccio requested from its uplink, from its JSON log (`"sub": "out"` entries). */
export async function uplinkRequests(logFile: string): Promise<string[]> {
  const text = await readFile(logFile, "utf8").catch(() => "");
  const urls: string[] = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      const entry = JSON.parse(line) as { sub?: string; request?: { url?: string } };
      if (entry.sub === "out" && entry.request?.url) urls.push(entry.request.url);
    } catch {
      // A line that is not Verdaccio's JSON (a Node warning on stderr): not a request.
    }
  }
  return urls;
}
