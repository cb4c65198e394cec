import { request } from "undici";
import { type ComposeProject, ComposeUpFailedError } from "../stack/compose-project.ts";
import { type Check, type CheckContext, fail, pass, skip } from "./check.ts";

/** Rows the check writes; more than one, so a count that merely happens to match proves little. */
const rowsWritten = 3;

/**
 * Rows written through the app survive `docker compose down` and `up` (the database lives on a named
 * volume), and `down --volumes` is what removes them. Measured with the sample app's `/visits`
 * (POST adds a row, GET counts them) through the proxy's published port, on the cell's own compose
 * project: never a user's, whose volumes `down --volumes` would destroy.
 */
export const dataSurvivesRestart: Check<Pick<CheckContext, "composeProject">> = async (context) => {
  let project: ComposeProject;
  try {
    project = await context.composeProject();
  } catch (error) {
    if (error instanceof ComposeUpFailedError) return fail(`the compose project did not come up, so no data could be written: ${error.message}`);
    throw error;
  }
  const probe = await visits(project, "GET");
  if (probe.status === 404) {
    return skip("the app has no /visits route (GET /visits -> 404): this check writes rows through POST /visits and counts them with GET /visits, as the sample app does");
  }
  if (probe.status !== 200 || probe.count === undefined) return fail(`GET /visits answered ${probe.status}: ${probe.body.slice(0, 200)}`);

  for (let row = 0; row < rowsWritten; row += 1) {
    const written = await visits(project, "POST");
    if (written.status !== 201) return fail(`POST /visits through the proxy answered ${written.status}: ${written.body.slice(0, 200)}`);
  }
  const before = await countOf(project);
  if (before !== probe.count + rowsWritten) return fail(`after ${rowsWritten} POST /visits the count went from ${probe.count} to ${before}, not ${probe.count + rowsWritten}`);

  await project.down({ removeVolumes: false });
  // Named as in the compose file: without the project's prefix.
  const kept = (await project.volumes()).map((volume) => volume.replace(`${project.name}_`, ""));
  await project.up({ build: false });
  const afterRestart = await countOf(project);
  if (afterRestart !== before) {
    return fail(
      `rows were lost: ${before} before \`docker compose down\` and \`up\`, ${afterRestart} after (volumes kept by down: ${kept.join(", ") || "none"}). ` +
        "The database's data directory is not on a named volume, so it went with its container. Fix: mount a named volume at PostgreSQL's data directory (volumes: [db-data:/var/lib/postgresql/data]) and declare it under the top-level volumes:",
    );
  }

  await project.down({ removeVolumes: true });
  const left = await project.volumes();
  await project.up({ build: false });
  const afterWipe = await countOf(project);
  if (afterWipe !== 0) {
    return fail(
      `${afterWipe} row(s) survived \`docker compose down --volumes\` (volumes left: ${left.join(", ") || "none"}): the data lives outside the project's volumes (a bind mount or an external volume), ` +
        "which `down --volumes` cannot remove and a user cannot find by the project's name. Fix: keep the database on a named volume of the compose file",
    );
  }
  return pass(
    `${rowsWritten} rows written through POST /visits (count ${before}); after \`compose down\` + \`up\`: ${afterRestart} (named volumes kept: ${kept.join(", ")}); after \`down --volumes\` + \`up\`: 0`,
  );
};

interface VisitsAnswer {
  status: number;
  body: string;
  count: number | undefined;
}

async function visits(project: ComposeProject, method: "GET" | "POST"): Promise<VisitsAnswer> {
  const response = await request(`${project.url}/visits`, { method, headersTimeout: 15_000, bodyTimeout: 15_000 });
  const body = await response.body.text();
  const count = /^\d+$/.test(body.trim()) ? Number(body.trim()) : undefined;
  return { status: response.statusCode, body, count };
}

/** GET /visits as a number; any other answer is an error naming it (the stack did not come back). */
async function countOf(project: ComposeProject): Promise<number> {
  const answer = await visits(project, "GET");
  if (answer.status !== 200 || answer.count === undefined) throw new Error(`GET /visits answered ${answer.status} after the project came back: ${answer.body.slice(0, 200)}`);
  return answer.count;
}
