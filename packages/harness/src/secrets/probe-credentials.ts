import { generateKeyPairSync, randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

/** A byte string that must not be found anywhere, and what it stands for (said when it is found). */
export interface Needle {
  label: string;
  bytes: Buffer;
}

/** Throwaway credentials for one build, written as files BuildKit can mount, and what to look for. */
export interface ProbeCredentials {
  /** The random marker every secret file carries. */
  marker: string;
  /** Secret id -> file (`docker build --secret id=<id>,src=<file>`). */
  secretFiles: Record<string, string>;
  /** ssh id -> a private key file (`docker build --ssh <id>=<file>`; buildx serves it as an agent). */
  ssh: Record<string, string>;
  needles: Needle[];
}

/**
 * Writes, into `dir` (a fresh private temp dir), one file per secret id carrying a random marker,
 * shaped so the tools that read it accept it: a netrc gets a login line, anything else (pip.conf,
 * known_hosts...) a comment line both INI and known_hosts parsers skip. A secret the build is
 * given anyway (`given`: the machine's CA bundle as ca_bundle) keeps its content, the marker line
 * appended (PEM readers skip text between certificates), so the build still works. Each ssh id
 * gets a new Ed25519 key. Nothing here is a real credential: found in an image, each proves a leak path.
 */
export async function writeProbeCredentials(
  dir: string,
  secretIds: readonly string[],
  sshIds: readonly string[],
  given: Readonly<Record<string, string>> = {},
): Promise<ProbeCredentials> {
  const marker = `dockerize-python-secret-probe-${randomBytes(16).toString("hex")}`;
  const secretFiles: Record<string, string> = {};
  for (const id of secretIds) {
    const file = join(dir, `secret-${id.replace(/[^A-Za-z0-9._-]/g, "_")}`);
    const kept = given[id] ? `${(await readFile(given[id]!, "utf8")).trimEnd()}\n` : "";
    const text = kept + (/netrc/i.test(id) ? `machine secret-probe.invalid login probe password ${marker}\n` : `# ${marker}\n`);
    await writeFile(file, text, { mode: 0o600 });
    secretFiles[id] = file;
  }
  const ssh: Record<string, string> = {};
  const needles: Needle[] = [{ label: `the marker passed in ${secretIds.length ? `--secret id=${secretIds.join(", id=")}` : "no secret"}`, bytes: Buffer.from(marker) }];
  for (const id of sshIds) {
    const pem = generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString();
    const file = join(dir, `ssh-${id.replace(/[^A-Za-z0-9._-]/g, "_")}`);
    await writeFile(file, pem, { mode: 0o600 });
    ssh[id] = file;
    // The key's base64 body: what a copied key file, or a key echoed into a layer, would contain.
    const body = pem.split("\n").filter((line) => line && !line.startsWith("-----")).join("");
    needles.push({ label: `the private key forwarded with --ssh ${id}`, bytes: Buffer.from(body) });
  }
  return { marker, secretFiles, ssh, needles };
}
