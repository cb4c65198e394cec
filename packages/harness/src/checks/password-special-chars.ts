import { runResourceName } from "../stack/run-labels.ts";
import { startAppBesideStack } from "../stack/start-app-beside-stack.ts";
import { stackAppEnvironment, stackDatabase } from "../stack/start-stack.ts";
import { waitUntilServing } from "../stack/wait-until-serving.ts";
import { type Check, type CheckContext, fail, pass } from "./check.ts";
import { failOnContainerProblem } from "./fail-on-container-problem.ts";

/** The characters that break a password formatted into a connection URI, and the space. */
export const uriBreakingCharacters = ["@", ":", "/", "%", "#", "?", " "] as const;

/** The characters of uriBreakingCharacters that `password` lacks. */
export function missingCharacters(password: string): string[] {
  return uriBreakingCharacters.filter((character) => !password.includes(character));
}

const shown = (characters: readonly string[]) => characters.map((character) => (character === " " ? "a space" : `"${character}"`)).join(", ");

/**
 * The app connects with a password holding `@ : / % # ?` and a space. Measured in three steps:
 * - the password the stack's PostgreSQL was created with, and the app is given as DATABASE_PASSWORD,
 *   holds every one of those characters (so the proof is not made with an easy password);
 * - the server really checks it: from the database container, over TCP to its own network address
 *   (where the image's pg_hba.conf asks for a password; only the socket and loopback are trusted),
 *   the right password connects and a wrong one is refused;
 * - an app container started with it answers GET / with the server version PostgreSQL itself
 *   reports (SHOW server_version): the app's connection, made with that password, worked.
 */
export const passwordSpecialChars: Check<Pick<CheckContext, "kind" | "cellId" | "run" | "image" | "stack">> = failOnContainerProblem(async (context) => {
  if (context.kind !== "app") return fail("password-special-chars runs an app against PostgreSQL; list it on app templates only");
  const stack = await context.stack();
  const password = stackAppEnvironment(stack.request).DATABASE_PASSWORD ?? "";
  const missing = missingCharacters(password);
  if (missing.length) return fail(`the stack's database password lacks ${shown(missing)}, so it cannot prove that such passwords work`);
  if (stack.database.getPassword() !== password) return fail("the app is given another password than the one the stack's database was created with");

  const psql = (withPassword: string, sql: string) =>
    stack.database.exec(["sh", "-c", 'PGPASSWORD="$1" psql "host=$(hostname -i | cut -d" " -f1) user=$2 dbname=$3" -tAc "$4"', "psql", withPassword, stackDatabase.user, stackDatabase.name, sql]);
  const right = await psql(password, "SHOW server_version");
  // "17.5 (Debian 17.5-1)" -> "17.5": the number version() also starts with.
  const serverVersion = right.stdout.trim().split(/\s/)[0] ?? "";
  if (right.exitCode !== 0 || !serverVersion) return fail(`psql over TCP with the password could not read the server version: ${right.output.trim()}`);
  const wrong = await psql(`${password}-wrong`, "SELECT 1");
  if (wrong.exitCode === 0) {
    return fail("PostgreSQL accepted a wrong password over TCP: it does not check passwords, so a working connection proves nothing about this one");
  }

  const app = await startAppBesideStack(stack, { name: runResourceName(context.run, `${context.cellId}-password`), image: context.image });
  try {
    const expected = `PostgreSQL ${serverVersion}`;
    // Its first answer is the verdict: an app that cannot log in answers too (the sample app: 503).
    const answer = await waitUntilServing({ url: () => app.url && `${app.url}/`, accept: () => true, watch: [app], what: "the app with the special-character password" });
    if (answer.status !== 200 || !answer.body.includes(expected)) {
      return fail(
        `GET / with the password answered ${answer.status} without "${expected}", the version PostgreSQL reports: ${answer.body.slice(0, 300).trim()}\n` +
          `--- the app's log ---\n${await app.logs()}`,
      );
    }
    return pass(
      `the password holds ${shown(uriBreakingCharacters)}; PostgreSQL refuses a wrong one over TCP; ` +
        `GET / with it -> 200 with "${expected}"`,
    );
  } finally {
    await app.remove();
  }
});
