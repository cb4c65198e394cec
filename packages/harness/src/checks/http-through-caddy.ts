import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { request } from "undici";
import { answersProbe, describeProbeAnswer, describeProbeMiss } from "../stack/app-probe.ts";
import { type RunningStack, stackDatabase } from "../stack/start-stack.ts";
import { httpGet } from "../stack/wait-until-serving.ts";
import { type Check, type CheckContext, fail, pass } from "./check.ts";
import { firstStaticFile, staticUrlPath } from "./first-static-file.ts";

/**
 * The app's probe through Caddy is answered as the probe asks, and for the sample app's probe also
 * names the PostgreSQL version the database itself reports, so the whole path proxy -> app ->
 * database is proven; and the first file of the app's static folder comes back byte for byte from
 * Caddy (not measured, and said so, for an app with no static folder or an empty one).
 */
export const httpThroughCaddy: Check<Pick<CheckContext, "stageDir" | "staticDir" | "stack" | "probe">> = async (context) => {
  const { probe } = context;
  const stack = await context.stack();
  const page = await httpGet(`${stack.proxyUrl}${probe.path}`);
  if (!answersProbe(probe, page)) return fail(`through Caddy ${describeProbeMiss(probe, page)}`);
  let served = describeProbeAnswer(probe, page);
  if (probe.showsDatabaseVersion) {
    const serverVersion = await databaseVersion(stack);
    if (serverVersion instanceof Error) return fail(serverVersion.message);
    const expected = `PostgreSQL ${serverVersion}`;
    if (!page.body.includes(expected)) return fail(`${served}, but without "${expected}", the version PostgreSQL reports: ${page.body.slice(0, 300).trim()}`);
    served += ` and "${expected}"`;
  }

  if (context.staticDir === null) return pass(`${served}; static files not measured: the app has no static folder`);
  const file = await firstStaticFile(context.stageDir, context.staticDir);
  if (!file) return pass(`${served}; static files not measured: ${context.staticDir}/ holds no file`);
  const bytes = await readFile(join(context.stageDir, context.staticDir, file));
  const path = staticUrlPath(file);
  const answer = await request(`${stack.proxyUrl}${path}`, { headersTimeout: 10_000 });
  const servedBytes = Buffer.from(await answer.body.arrayBuffer());
  if (answer.statusCode !== 200 || !servedBytes.equals(bytes)) {
    return fail(`${served}, but GET ${path} answered ${answer.statusCode} with ${servedBytes.length} bytes; ${context.staticDir}/${file} has ${bytes.length}`);
  }
  return pass(`${served}; GET ${path} -> 200, ${servedBytes.length} bytes identical to ${context.staticDir}/${file}`);
};

/** The server's version as PostgreSQL reports it ("17.5 (Debian 17.5-1)" -> "17.5", the number version() also starts with). */
async function databaseVersion(stack: RunningStack): Promise<string | Error> {
  const version = await stack.database.exec(["psql", "-U", stackDatabase.user, "-d", stackDatabase.name, "-tAc", "SHOW server_version"]);
  const serverVersion = version.stdout.trim().split(/\s/)[0] ?? "";
  if (version.exitCode !== 0 || !serverVersion) return new Error(`could not read the server version from PostgreSQL: ${version.output}`);
  return serverVersion;
}
