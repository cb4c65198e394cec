import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { dependencyFiles } from "../staging/dependency-files.ts";

/** The PostgreSQL drivers of Python's DB-API and asyncio worlds, by their normalized names (PEP 503). */
const postgresqlDrivers = new Set(["psycopg", "psycopg-binary", "psycopg-c", "psycopg2", "psycopg2-binary", "asyncpg", "pg8000"]);

/** A PostgreSQL driver the app requires, and the file that names it. */
export interface FoundDriver {
  driver: string;
  file: string;
}

/**
 * The first PostgreSQL driver (psycopg, psycopg2, asyncpg, pg8000, their -binary builds) the app's
 * dependency files name as a requirement: its requirements*.txt, Pipfile, pyproject.toml and
 * pylock.toml (a lock that may stand without a pyproject.toml; a package's `name` there reads as a
 * requirement). A
 * name is compared whole (psycopg2-binary is not psycopg, my-asyncpg-tools is not asyncpg), in any
 * case and with `-`, `_` and `.` alike; null when none is named.
 */
export async function detectPostgresqlDriver(appDir: string): Promise<FoundDriver | null> {
  const requirementFiles = (await readdir(appDir)).filter((name) => /^requirements.*\.txt$/.test(name)).sort();
  const declarationFiles = [dependencyFiles.pipenv[0]!, dependencyFiles.pyproject[0]!, dependencyFiles.pylock[0]!];
  for (const file of [...requirementFiles, ...declarationFiles]) {
    const text = await readFile(join(appDir, file), "utf8").catch(() => undefined);
    if (text === undefined) continue;
    const names = file.endsWith(".txt") ? requirementsTxtNames(text) : tomlRequirementNames(text);
    const driver = names.find((name) => postgresqlDrivers.has(normalizedName(name)));
    if (driver) return { driver, file };
  }
  return null;
}

/** The project each line of a requirements file names (`psycopg[binary]>=3` names psycopg); options (`-r`, `-e`) name none. */
function requirementsTxtNames(text: string): string[] {
  return text.split("\n").flatMap((line) => /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)/.exec(line.replace(/(^|\s)#.*$/, ""))?.[1] ?? []);
}

/**
 * The projects a Pipfile or pyproject.toml requires: the keys of its dependency tables
 * (`[packages]`, `[tool.poetry.dependencies]`) and every string that reads as a PEP 508 requirement
 * (`"psycopg[binary]>=3.2"` in `dependencies = [...]`); not a description that mentions one.
 */
function tomlRequirementNames(text: string): string[] {
  const names: string[] = [];
  let inDependencyTable = false;
  for (const raw of text.split("\n")) {
    const line = raw.replace(/^\s*#.*$/, "");
    const table = /^\s*\[([^\]]+)\]\s*$/.exec(line)?.[1]?.trim();
    if (table !== undefined) inDependencyTable = /^(packages|dev-packages)$|(^|\.)(dev-)?dependencies$/.test(table);
    const key = /^\s*"?([A-Za-z0-9][A-Za-z0-9._-]*)"?\s*=/.exec(line)?.[1];
    if (inDependencyTable && key) names.push(key);
    for (const [, value] of line.matchAll(/["']([^"'\n]*)["']/g)) {
      const requirement = /^\s*([A-Za-z0-9][A-Za-z0-9._-]*)\s*(\[[^\]]*\])?\s*([<>=!~;@(]|$)/.exec(value!);
      if (requirement) names.push(requirement[1]!);
    }
  }
  return names;
}

function normalizedName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, "-");
}
