import { readdir, readFile } from "node:fs/promises";
import { basename, join } from "node:path";

/** The files of a template that lint reads, by kind, as paths relative to its files/ folder. */
export interface TemplateFileKinds {
  dockerfiles: string[];
  shellScripts: string[];
  composeFiles: string[];
  caddyfiles: string[];
}

/**
 * Sorts every file under `filesDir` by what it is: Dockerfiles (`Dockerfile`, `Dockerfile.*`,
 * `*.Dockerfile`; not `*.dockerignore`), shell scripts (`*.sh`, or a `sh`/`bash` shebang), compose
 * files (`compose.yaml`, `docker-compose.yml`, `compose.*.yaml`, ...) and Caddyfiles
 * (`Caddyfile`, `*.Caddyfile`).
 */
export async function templateFileKinds(filesDir: string): Promise<TemplateFileKinds> {
  const kinds: TemplateFileKinds = { dockerfiles: [], shellScripts: [], composeFiles: [], caddyfiles: [] };
  const entries = await readdir(filesDir, { recursive: true, withFileTypes: true });
  for (const entry of entries.filter((e) => e.isFile())) {
    const path = join(entry.parentPath, entry.name).slice(filesDir.length + 1);
    const name = basename(path);
    if (name.endsWith(".dockerignore")) continue;
    if (name === "Dockerfile" || name.startsWith("Dockerfile.") || name.endsWith(".Dockerfile")) kinds.dockerfiles.push(path);
    else if (/^(docker-)?compose(\.[\w-]+)?\.ya?ml$/.test(name)) kinds.composeFiles.push(path);
    else if (name === "Caddyfile" || name.endsWith(".Caddyfile")) kinds.caddyfiles.push(path);
    else if (name.endsWith(".sh") || (await hasShellShebang(join(filesDir, path)))) kinds.shellScripts.push(path);
  }
  for (const list of Object.values(kinds)) list.sort();
  return kinds;
}

async function hasShellShebang(file: string): Promise<boolean> {
  const head = (await readFile(file, "utf8").catch(() => "")).slice(0, 100);
  return /^#!\s*\S*\/(env\s+)?(ba|da)?sh\b/.test(head);
}
