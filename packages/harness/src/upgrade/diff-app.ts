import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { adaptTemplateFile } from "../scaffold/adapt-template-file.ts";
import type { AppSettings } from "../scaffold/app-settings.ts";
import { readScaffoldRecord, sha256 } from "../scaffold/scaffold-record.ts";
import { templateFileList } from "../scaffold/template-file-list.ts";
import { loadTemplateSet, type TemplateSource } from "../template-source/load-template-set.ts";
import { unifiedDiff } from "./unified-diff.ts";

export interface DiffAppOptions {
  /** The app's root, holding `.dockerize-python.json`. */
  appDir: string;
  /** The version or dist-tag of the template to compare with; the newest (`latest`) when absent. */
  to?: string;
  /** Where the newest version comes from instead of the recorded source (a checkout, another registry). */
  source?: TemplateSource;
  /** Where fetched packages are kept; the harness's cache when absent. */
  cacheDir?: string;
}

/** One template file, as the app has it, against the version compared with. */
export interface FileComparison {
  /** Relative to the app's root. */
  path: string;
  template: string;
  /**
   * Since `new` copied it, by its recorded sha256: unchanged, edited, deleted from the app, or
   * not-copied (the file is new in the version compared with).
   */
  sinceCopy: "unchanged" | "edited" | "deleted" | "not-copied";
  /**
   * Against the version compared with (adapted to the app's settings as `new` adapts it): the same,
   * differs, added (only in that version), or removed (no longer in it).
   */
  againstNewest: "same" | "differs" | "added" | "removed";
  /** The unified diff from the app's file to that version's; "" when there is nothing to show. */
  diff: string;
}

export interface AppDiff {
  /** Each template the app holds: the version copied and the one compared with (null when the set no longer has it). */
  templates: Array<{ name: string; copied: string | null; newest: string | null }>;
  source: TemplateSource;
  /** The settings recorded by `new`, which the version compared with was adapted to. */
  settings: AppSettings;
  files: FileComparison[];
}

/**
 * Compares an app's copies of its template files with another version of the template (the
 * newest by default), adapted to the settings recorded when they were copied, so that what the
 * diff shows is what the template changed and what the user changed, never the adaptation itself.
 */
export async function diffApp(options: DiffAppOptions): Promise<AppDiff> {
  const appDir = resolve(options.appDir);
  const record = await readScaffoldRecord(appDir);
  const source = options.source ?? record.source;
  const newest = await loadTemplateSet({
    name: record.template,
    source,
    versions: options.to ? { [record.template]: options.to } : {},
    cwd: appDir,
    cacheDir: options.cacheDir,
  });
  const newestFiles = new Map<string, { template: string; content: Buffer }>();
  for (const file of await templateFileList(newest.templates)) {
    const manifest = newest.templates.find((template) => template.name === file.template)!.manifest;
    newestFiles.set(file.path, { template: file.template, content: adaptTemplateFile(file.path, await readFile(file.sourceFile), record.settings, manifest).content });
  }

  const labelOf = (template: string) => `${template}@${newest.templates.find((t) => t.name === template)?.version ?? "?"}`;
  const paths = [...new Set([...Object.keys(record.files), ...newestFiles.keys()])].sort();
  const files: FileComparison[] = [];
  for (const path of paths) {
    const copied = record.files[path];
    const next = newestFiles.get(path);
    const own = await readFile(join(appDir, path)).catch(() => undefined);
    const sinceCopy = !copied ? "not-copied" : own === undefined ? "deleted" : sha256(own) === copied.sha256 ? "unchanged" : "edited";
    const template = next?.template ?? copied!.template;
    if (!next) {
      files.push({ path, template, sinceCopy, againstNewest: "removed", diff: "" });
      continue;
    }
    const same = own !== undefined && own.equals(next.content);
    const diff = same ? "" : unifiedDiff(own?.toString("utf8") ?? "", next.content.toString("utf8"), own === undefined ? "/dev/null" : `app/${path}`, `${labelOf(template)}/${path}`);
    files.push({ path, template, sinceCopy, againstNewest: !copied ? "added" : same ? "same" : "differs", diff });
  }

  const names = [...new Set([...record.templates.map((template) => template.name), ...newest.templates.map((template) => template.name)])];
  return {
    templates: names.map((name) => ({
      name,
      copied: record.templates.find((template) => template.name === name)?.version ?? null,
      newest: newest.templates.find((template) => template.name === name)?.version ?? null,
    })),
    source,
    settings: record.settings,
    files,
  };
}
