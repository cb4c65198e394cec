import { randomBytes } from "node:crypto";
import { chmod, lstat, mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { ExplainedError } from "../explained-error.ts";
import { isDirectory } from "../files/is-directory.ts";
import { templatePackageName } from "../manifest/template-package-name.ts";
import type { TemplateSet } from "../template-source/load-template-set.ts";
import { adaptTemplateFile } from "./adapt-template-file.ts";
import type { AppSettings } from "./app-settings.ts";
import { formatScaffoldRecord, type ScaffoldRecord, scaffoldRecordComment, scaffoldRecordFile, sha256 } from "./scaffold-record.ts";
import { templateFileList } from "./template-file-list.ts";

export interface ScaffoldAppRequest {
  /** The app's root, which must exist. */
  appDir: string;
  /** The templates to copy, the one asked for first. */
  set: TemplateSet;
  settings: AppSettings;
  /** Replace template files (and the record) that exist; nothing else is touched either way. */
  force: boolean;
}

export interface WrittenFile {
  /** Relative to the app's root. */
  path: string;
  template: string;
  /** A file was there before (only with force). */
  replaced: boolean;
  /** The settings written into it (`WSGI_APP=wsgi:app`); empty when copied as it is. */
  changes: string[];
}

export interface ScaffoldResult {
  files: WrittenFile[];
  record: ScaffoldRecord;
  recordFile: string;
}

/** Copying would overwrite files of the app, and --force was not given: nothing was written. */
export class ScaffoldWouldOverwriteError extends ExplainedError {
  readonly existing: readonly string[];

  constructor(appDir: string, existing: readonly string[], template: string) {
    super(
      `Nothing was copied: ${existing.length === 1 ? "this file exists" : `these ${existing.length} files exist`} in ${appDir} and would be overwritten:\n` +
        `${existing.map((path) => `  ${path}`).join("\n")}\n` +
        `Fix: run again with --force to replace them with the template's (only the template's files are written; nothing else in the app is changed or deleted), ` +
        `or copy into another directory: dockerize-python new ${template} <dir>.`,
    );
    this.existing = existing;
  }
}

/** The folder to copy into is not there. */
export class AppDirMissingError extends ExplainedError {
  constructor(appDir: string) {
    super(`${appDir} is not a folder.\nFix: give the folder that holds your app (its code and requirements.txt, Pipfile or pyproject.toml); dockerize-python new copies the template into it.`);
  }
}

/**
 * Copies a template (and the templates it needs beside it) into an app, adapted to its settings,
 * and records what was copied in `.dockerize-python.json`. When a file exists and `force` is not
 * set, writes nothing and throws ScaffoldWouldOverwriteError naming every such file. With `force`,
 * replaces only the template's files and the record: nothing else in the app is touched or deleted.
 */
export async function scaffoldApp(request: ScaffoldAppRequest): Promise<ScaffoldResult> {
  const { appDir, set, settings } = request;
  await assertAppDir(appDir);
  const [main] = set.templates;
  if (!main) throw new Error("scaffoldApp needs at least one template");

  const files = await Promise.all(
    (await templateFileList(set.templates)).map(async (file) => {
      const template = set.templates.find((candidate) => candidate.name === file.template)!;
      const { content, changes } = adaptTemplateFile(file.path, await readFile(file.sourceFile), settings, template.manifest);
      return { ...file, content, changes, mode: (await stat(file.sourceFile)).mode & 0o777 };
    }),
  );
  const existing = new Set<string>();
  for (const path of [...files.map((file) => file.path), scaffoldRecordFile]) {
    const info = await lstat(join(appDir, path)).catch(() => undefined);
    if (info?.isDirectory()) throw new ExplainedError(`${join(appDir, path)} is a folder, where ${main.name} has a file.\nFix: move the folder away, or copy into another directory: dockerize-python new ${main.name} <dir>.`);
    if (info) existing.add(path);
  }
  if (existing.size && !request.force) throw new ScaffoldWouldOverwriteError(appDir, [...existing], main.name);

  for (const file of files) await writeAtomically(join(appDir, file.path), file.content, file.mode);
  const record: ScaffoldRecord = {
    $comment: scaffoldRecordComment,
    recordVersion: 1,
    template: main.name,
    source: set.source,
    templates: set.templates.map((template) => ({ name: template.name, package: templatePackageName(template.name), version: template.version })),
    settings,
    files: Object.fromEntries(files.map((file) => [file.path, { template: file.template, from: file.from, sha256: sha256(file.content) }])),
    copiedAt: new Date().toISOString(),
  };
  const recordFile = join(appDir, scaffoldRecordFile);
  await writeAtomically(recordFile, Buffer.from(formatScaffoldRecord(record)), 0o644);
  return {
    files: files.map((file) => ({ path: file.path, template: file.template, replaced: existing.has(file.path), changes: file.changes })),
    record,
    recordFile,
  };
}

/** The app's folder exists: new copies into an app, it does not make one. */
export async function assertAppDir(appDir: string): Promise<void> {
  if (!(await isDirectory(appDir))) throw new AppDirMissingError(appDir);
}

/**
 * Writes beside the target, then renames over it: a reader never sees half a file, and a symlink
 * in the target's place is replaced, never followed out of the app.
 */
async function writeAtomically(file: string, content: Buffer, mode: number): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}-${randomBytes(4).toString("hex")}.tmp`;
  try {
    await writeFile(temporary, content);
    await chmod(temporary, mode);
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
