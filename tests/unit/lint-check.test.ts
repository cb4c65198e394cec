import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { lint } from "../../packages/harness/src/checks/lint.ts";

/**
 * The lint check through each of its branches, on copies of the slim-uwsgi template's files/: it
 * passes on them as shipped, and fails, naming the file and the cause, on a copy with one mistake in
 * a shell script (ShellCheck), in the compose file (`docker compose config -q`, which reads the file
 * in the client: no engine is used) or in the Dockerfile (the Dockerfile rules, each broken on its
 * own in lint-rules.test.ts). Its Caddyfile branch needs an image with caddy: it is shown failing
 * in tests/e2e/caddy-checks.test.ts.
 */

const templatesDir = resolve(import.meta.dirname, "..", "..", "templates");
const shipped = join(templatesDir, "slim-uwsgi", "files");
let scratch: string;

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), "dockerize-python-lint-check-"));
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** A copy of slim-uwsgi's files/ with `file` changed by `edit` (which must change it). */
async function filesWith(name: string, file: string, edit: (text: string) => string): Promise<string> {
  const dir = join(scratch, name);
  await cp(shipped, dir, { recursive: true });
  const before = await readFile(join(dir, file), "utf8");
  const after = edit(before);
  expect(after, `the fixture's edit of ${file} changed nothing`).not.toBe(before);
  await writeFile(join(dir, file), after);
  return dir;
}

/** What lint reads for a template whose files are in `dir`: its compose file with the defaults of its variables. */
const contextFor = (dir: string) => ({
  templateFiles: { dir, dockerfile: "docker/Dockerfile", compose: "compose.yaml", templatesDir },
  compose: { file: "compose.yaml", env: {} },
});

const findings = (detail: string) => detail.split("\n").slice(1);

describe("the lint check on the slim-uwsgi template's files", () => {
  it("passes them as shipped, having read every kind of file", async () => {
    // lint only reads them (its compose branch makes .env in a copy of its own).
    const outcome = await lint(contextFor(shipped));
    expect(outcome).toEqual({ status: "pass", detail: "1 Dockerfile(s), 5 shell script(s), 1 compose file(s), 0 Caddyfile(s): no findings" });
  });

  it("fails a script with a ShellCheck error, naming its line and ShellCheck's code", async () => {
    // An unquoted $@ splits the arguments again (an error to ShellCheck, SC2068).
    const dir = await filesWith("shellcheck-error", "docker/docker-entrypoint.sh", (text) =>
      text.replace("\nset -eu\n", '\nset -eu\necho "docker-entrypoint: starting" $@ >&2\n'),
    );
    const outcome = await lint(contextFor(dir));
    expect(outcome.status).toBe("fail");
    expect(outcome.detail).toMatch(/^1 finding\(s\) in 1 Dockerfile\(s\), 5 shell script\(s\)/);
    expect(findings(outcome.detail)).toEqual([
      expect.stringMatching(/^docker\/docker-entrypoint\.sh:22 \[shellcheck\] error: Double quote array expansions .* \(SC2068\)\. Fix: see https:\/\/www\.shellcheck\.net\/wiki\/SC2068$/),
    ]);
  });

  it("fails a compose file that docker compose config rejects, with compose's reason", async () => {
    const dir = await filesWith("compose-invalid", "compose.yaml", (text) => text.replace("networks: [backend, frontend]", "networks: [backend, frontend, metrics]"));
    const outcome = await lint(contextFor(dir));
    expect(outcome.status).toBe("fail");
    expect(findings(outcome.detail)).toEqual([
      expect.stringMatching(/^compose\.yaml \[compose-config\] docker compose config rejects it: .*service "app" refers to undefined network metrics/),
    ]);
  });

  it("fails a Dockerfile whose final stage has no USER (it would run as root)", async () => {
    const dir = await filesWith("dockerfile-root", "docker/Dockerfile", (text) => text.replace("\nUSER 10001:10001\n", "\n"));
    const outcome = await lint(contextFor(dir));
    expect(outcome.status).toBe("fail");
    expect(findings(outcome.detail)).toEqual([expect.stringMatching(/^docker\/Dockerfile(:\d+)? \[non-root-user\] /)]);
  });
});
