import { randomBytes } from "node:crypto";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { request } from "undici";
import { type ComposeProject, ComposeUpFailedError } from "../stack/compose-project.ts";
import { type Check, type CheckContext, fail, pass, skip } from "./check.ts";
import { firstStaticFile, staticUrlPath } from "./first-static-file.ts";

/**
 * After a static file of the app changes and the project is rebuilt (`docker compose up --build`),
 * the proxy serves the new file. The seed article's compose file shares static files through a named
 * volume: a volume is filled from the image once, when it is created, so every later deploy keeps
 * serving the first one's files. Measured with the first file of the app's static folder, which
 * the proxy serves at /static/ (the caddy template's convention). Changes the staged copy only; it
 * runs last for that reason.
 */
export const staticRefresh: Check<Pick<CheckContext, "stageDir" | "staticDir" | "composeProject">> = async (context) => {
  const { staticDir } = context;
  if (staticDir === null) return skip("the app has no static folder (its recorded staticDir is null), so there is no static file to change");
  const file = await firstStaticFile(context.stageDir, staticDir);
  if (!file) return skip(`the app's static folder ${staticDir}/ holds no file for the proxy to serve`);
  let project: ComposeProject;
  try {
    project = await context.composeProject();
  } catch (error) {
    if (error instanceof ComposeUpFailedError) return fail(`the compose project did not come up, so no static file could be fetched: ${error.message}`);
    throw error;
  }
  const path = join(context.stageDir, staticDir, file);
  // Asked of the project each time: a re-created proxy is published on another port.
  const staticPath = staticUrlPath(file);
  const url = () => `${project.url}${staticPath}`;
  const original = await readFile(path);
  const before = await fetchBytes(url());
  if (before.status !== 200 || !before.body.equals(original)) {
    return fail(`before any change, GET ${staticPath} answered ${before.status} with ${before.body.length} bytes, not the ${original.length} bytes of ${staticDir}/${file}`);
  }

  const changed = Buffer.concat([original, Buffer.from(`\n/* static-refresh ${randomBytes(8).toString("hex")} */\n`)]);
  await writeFile(path, changed);
  try {
    const seconds = await project.up();
    const after = await fetchBytes(url());
    if (after.body.equals(original)) {
      return fail(
        `after changing ${staticDir}/${file} and \`docker compose up --build\`, ${staticPath} still serves the OLD file. ` +
          "The static files probably reach the proxy through a named volume, which keeps the files of the deploy that created it. " +
          "Fix: bake them into the proxy's image (COPY static/ /srv/static/ in its Dockerfile) and mount no volume over them",
      );
    }
    if (after.status !== 200 || !after.body.equals(changed)) {
      return fail(`after changing ${staticDir}/${file} and \`docker compose up --build\`, GET ${staticPath} answered ${after.status} with neither the old nor the new file: ${after.body.toString("utf8", 0, 200)}`);
    }
    return pass(`changed ${staticDir}/${file}; after \`compose up --build\` (${seconds.toFixed(1)} s) the proxy serves the new file (${changed.length} bytes, was ${original.length})`);
  } finally {
    await writeFile(path, original);
  }
};

async function fetchBytes(url: string): Promise<{ status: number; body: Buffer }> {
  const response = await request(url, { headersTimeout: 15_000, bodyTimeout: 15_000 });
  return { status: response.statusCode, body: Buffer.from(await response.body.arrayBuffer()) };
}
