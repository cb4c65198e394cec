import { readdir } from "node:fs/promises";
import { join, posix, relative, sep } from "node:path";
import { pathExists } from "../files/path-exists.ts";
import type { LoadedTemplate } from "../manifest/load-manifest.ts";

/** One file a template puts into an app. */
export interface TemplateFile {
  /** Where it goes, relative to the app's root (with `/`). */
  path: string;
  /** The template it comes from. */
  template: string;
  /** Where it is inside the template's package: `files/<path>`, or `README.md`. */
  from: string;
  /** The file to copy. */
  sourceFile: string;
}

/** Two templates of one set would write the same path: a defect of the templates, not the app. */
export class TemplateFileClashError extends Error {
  constructor(path: string, first: string, second: string) {
    super(`the templates ${first} and ${second} both ship ${path}; one app cannot hold both`);
    this.name = "TemplateFileClashError";
  }
}

/**
 * Every file the templates put into an app: each template's `files/`, laid out as in the app, and
 * its README beside the Dockerfile it documents (`docker/README.md`, `docker/caddy/README.md`),
 * as `README.<template>.md` there when another template's README took that name.
 */
export async function templateFileList(templates: readonly LoadedTemplate[]): Promise<TemplateFile[]> {
  const files: TemplateFile[] = [];
  const add = (file: TemplateFile) => {
    const clash = files.find((other) => other.path === file.path);
    if (clash) throw new TemplateFileClashError(file.path, clash.template, file.template);
    files.push(file);
  };
  for (const template of templates) {
    for (const path of await filesUnder(template.filesDir)) {
      add({ path, template: template.name, from: `files/${path}`, sourceFile: join(template.filesDir, ...path.split("/")) });
    }
  }
  for (const template of templates) {
    const readme = join(template.dir, "README.md");
    if (!(await pathExists(readme))) continue;
    const dir = posix.dirname(template.manifest.dockerfile);
    const beside = posix.join(dir, "README.md");
    const path = files.some((file) => file.path === beside) ? posix.join(dir, `README.${template.name}.md`) : beside;
    add({ path, template: template.name, from: "README.md", sourceFile: readme });
  }
  return files;
}

/** Every file under `dir`, relative to it with `/`, sorted. */
async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)).split(sep).join("/"))
    .sort();
}
