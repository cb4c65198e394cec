import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { request } from "undici";
import { stackDatabase } from "../stack/start-stack.ts";
import { type Check, type CheckContext, fail, pass } from "./check.ts";

/**
 * GET / through Caddy answers 200 with the app's greeting and the PostgreSQL version the database
 * itself reports, so the whole path proxy -> app -> database is proven; and a static file comes back
 * byte for byte from Caddy.
 */
export const httpThroughCaddy: Check<Pick<CheckContext, "stageDir" | "stack" | "expectedGreeting">> = async (context) => {
  const stack = await context.stack();
  const version = await stack.database.exec([
    "psql", "-U", stackDatabase.user, "-d", stackDatabase.name, "-tAc", "SHOW server_version",
  ]);
  // "17.5 (Debian 17.5-1)" -> "17.5": the number version() also starts with.
  const serverVersion = version.stdout.trim().split(/\s/)[0] ?? "";
  if (version.exitCode !== 0 || !serverVersion) return fail(`could not read the server version from PostgreSQL: ${version.output}`);

  const page = await request(`${stack.proxyUrl}/`, { headersTimeout: 10_000, bodyTimeout: 10_000 });
  const body = await page.body.text();
  const expected = [context.expectedGreeting, `PostgreSQL ${serverVersion}`];
  const missing = expected.filter((text) => !body.includes(text));
  if (page.statusCode !== 200 || missing.length) {
    return fail(`GET / answered ${page.statusCode}${missing.length ? `, without ${missing.map((m) => `"${m}"`).join(" and ")}` : ""}: ${body.slice(0, 300)}`);
  }

  const staticFile = await firstStaticFile(context.stageDir);
  if (!staticFile) return pass(`GET / -> 200 with "${context.expectedGreeting}" and "PostgreSQL ${serverVersion}"; the app has no static/ files`);
  const served = await request(`${stack.proxyUrl}/static/${staticFile.name}`, { headersTimeout: 10_000 });
  const servedBytes = Buffer.from(await served.body.arrayBuffer());
  if (served.statusCode !== 200 || !servedBytes.equals(staticFile.bytes)) {
    return fail(`GET /static/${staticFile.name} answered ${served.statusCode} with ${servedBytes.length} bytes; the file has ${staticFile.bytes.length}`);
  }
  return pass(
    `GET / -> 200 with "${context.expectedGreeting}" and "PostgreSQL ${serverVersion}"; ` +
      `GET /static/${staticFile.name} -> 200, ${servedBytes.length} bytes identical to the app's file`,
  );
};

async function firstStaticFile(stageDir: string): Promise<{ name: string; bytes: Buffer } | undefined> {
  const names = await readdir(join(stageDir, "static")).catch(() => [] as string[]);
  const name = names.sort().find((entry) => !entry.startsWith("."));
  return name ? { name, bytes: await readFile(join(stageDir, "static", name)) } : undefined;
}
