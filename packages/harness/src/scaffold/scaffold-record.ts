import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { ExplainedError } from "../explained-error.ts";
import { dependencyStyles } from "../manifest/schema.ts";
import { schemaProblems } from "../manifest/schema-problems.ts";
import { appDatabases, defaultLayoutSettings } from "./app-settings.ts";

/** The record `dockerize-python new` writes into the app's root. */
export const scaffoldRecordFile = ".dockerize-python.json";

const templateName = z.string().regex(/^[a-z][a-z0-9-]*$/);

export const scaffoldRecordSchema = z.strictObject({
  $comment: z.string().optional(),
  /** The format of this record, so that a later CLI can read an older one. */
  recordVersion: z.literal(1),
  /** The template asked for; the others in `templates` are the ones it needs beside it. */
  template: templateName,
  source: z.discriminatedUnion("kind", [
    z.strictObject({ kind: z.literal("registry"), registry: z.url({ protocol: /^https?$/ }) }),
    z.strictObject({ kind: z.literal("checkout"), path: z.string().min(1) }),
  ]),
  /** Every template copied, the one asked for first, with the package version copied. */
  templates: z.array(z.strictObject({ name: templateName, package: z.string(), version: z.string() })).min(1),
  /** What the templates were adapted to; `diff` adapts a newer version the same way. */
  settings: z.strictObject({
    dependencyStyle: z.enum(dependencyStyles).nullable(),
    wsgiApp: z.string().nullable(),
    // Absent from records written before new inspected the app's layout: it was adapted to these.
    staticDir: z.string().nullable().default(defaultLayoutSettings.staticDir),
    staticRoot: z.string().nullable().default(defaultLayoutSettings.staticRoot),
    database: z.enum(appDatabases).default(defaultLayoutSettings.database),
    healthPath: z.string().nullable().default(defaultLayoutSettings.healthPath),
    writableDirs: z.array(z.string()).default(defaultLayoutSettings.writableDirs),
    writableFiles: z.array(z.string()).default(defaultLayoutSettings.writableFiles),
  }),
  /** Each file written, by its path in the app: where it came from and the sha256 of what was written. */
  files: z.record(z.string(), z.strictObject({ template: templateName, from: z.string(), sha256: z.string().regex(/^[0-9a-f]{64}$/) })),
  copiedAt: z.string(),
});

export type ScaffoldRecord = z.infer<typeof scaffoldRecordSchema>;

export const scaffoldRecordComment =
  "Written by `dockerize-python new`: the templates copied into this app, for `dockerize-python verify` and `dockerize-python diff`. Keep it with the app; do not edit it.";

/** The app has no record: no template was copied into it with `dockerize-python new`. */
export class NoScaffoldRecordError extends ExplainedError {
  constructor(appDir: string) {
    super(
      `${join(appDir, scaffoldRecordFile)} does not exist: no template was copied into ${appDir} with dockerize-python new, so there is nothing to verify or compare.\n` +
        "Fix: run dockerize-python new <template> in the app first, or pass the app's folder (--app DIR, or the directory argument).",
    );
  }
}

/** The record is there but cannot be read. */
export class InvalidScaffoldRecordError extends ExplainedError {
  constructor(file: string, problems: readonly string[]) {
    super(
      `${file} is not a valid dockerize-python record:\n${problems.map((problem) => `  - ${problem}`).join("\n")}\n` +
        "Fix: restore it from version control, or copy the template again with dockerize-python new <template> --force (which replaces the template's files).",
    );
  }
}

/** Reads and validates the app's record. */
export async function readScaffoldRecord(appDir: string): Promise<ScaffoldRecord> {
  const file = join(appDir, scaffoldRecordFile);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new NoScaffoldRecordError(appDir);
    throw error;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new InvalidScaffoldRecordError(file, [`not valid JSON: ${(error as Error).message}`]);
  }
  const parsed = scaffoldRecordSchema.safeParse(raw, { reportInput: true });
  if (!parsed.success) {
    throw new InvalidScaffoldRecordError(file, schemaProblems(file, parsed.error.issues).map((problem) => `${problem.path || "(the file)"}: ${problem.message}`));
  }
  return parsed.data;
}

/** The record as written: stable key order, two-space indent, a final newline. */
export function formatScaffoldRecord(record: ScaffoldRecord): string {
  return `${JSON.stringify(record, null, 2)}\n`;
}

export function sha256(content: Buffer | string): string {
  return createHash("sha256").update(content).digest("hex");
}
