import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { stackDatabaseEnvironment } from "../stack/start-stack.ts";
import { dotenvValues } from "./dotenv-values.ts";

/** The dotenv file the app's container is given, as compose's `env_file`: its name and its variables. */
export interface AppEnvFile {
  name: ".env" | ".env.example";
  values: ReadonlyMap<string, string>;
}

/**
 * The app's `.env`, else its `.env.example` (what a user's `cp .env.example .env` gives compose);
 * undefined when it has neither.
 */
export async function readAppEnvFile(appDir: string): Promise<AppEnvFile | undefined> {
  for (const name of [".env", ".env.example"] as const) {
    const text = await readFile(join(appDir, name), "utf8").catch(() => undefined);
    if (text !== undefined) return { name, values: dotenvValues(text) };
  }
  return undefined;
}

/**
 * The environment the app runs with in each cell's stack, as compose runs it: every variable of
 * its env file, except that the stack's own database settings win (the checks' PostgreSQL, not
 * the one the file names), and the target (`variable`: WSGI_APP, or ASGI_APP for the ASGI
 * template) from the file, else the one `new` recorded.
 */
export function appEnvironment(envFile: AppEnvFile | undefined, recordedWsgiApp: string | null, variable = "WSGI_APP"): Record<string, string> {
  const environment = Object.fromEntries([...(envFile?.values ?? [])].filter(([name]) => !Object.hasOwn(stackDatabaseEnvironment, name)));
  const target = envFile?.values.get(variable) || recordedWsgiApp;
  return target ? { ...environment, [variable]: target } : environment;
}
