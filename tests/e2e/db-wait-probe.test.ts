import { randomBytes } from "node:crypto";
import { chmod, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runDocker } from "../../packages/harness/src/docker/run-docker.ts";
import { type CheckContainer, startCheckContainer } from "../../packages/harness/src/stack/check-container.ts";
import { removeRunResources, type RunIdentity, runLabelKey } from "../../packages/harness/src/stack/run-labels.ts";

/**
 * The templates' database wait (docker-entrypoint.sh's PostgreSQL probe, Python's standard library
 * only) against real PostgreSQL servers, with no image built: the generated slim-gunicorn entrypoint
 * is mounted read-only into the Python stand-in, which has no PostgreSQL driver, and a fake
 * `gunicorn` on PATH prints a marker when the entrypoint execs it. It must wait for a database that
 * comes up late, give up on a host that never exists naming it and why, keep waiting while the
 * server answers 57P03 (a standby in recovery with hot_standby off: "not accepting connections"),
 * take any other answer as ready, and never send or print the password.
 * The stand-ins are the ones the harness built (any hermetic matrix run builds them); none is built here.
 */

const repo = resolve(import.meta.dirname, "..", "..");
const entrypoint = join(repo, "templates", "slim-gunicorn", "files", "docker", "docker-entrypoint.sh");
// The run's label, so that cleanup by label removes what a failed test left.
const id = randomBytes(3).toString("hex");
const run: RunIdentity = { id: `dpA-${id}`, labels: { [runLabelKey]: `dpA-${id}` }, composeProjects: new Set() };
const name = (what: string) => `dpA-db-wait-${id}-${what}`;
const network = name("net");
/** What the fake server prints when the entrypoint has exec'd it. */
const serverMarker = "fake gunicorn exec'd";
/** The app's password: special characters, and random, so that finding it anywhere is a leak. */
const password = `P@ss:w/rd %#?-${randomBytes(6).toString("hex")}`;

let pythonImage: string;
let postgresImage: string;
let fakeServerDir: string;
const pythonPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** The newest local stand-in of a repository, labelled as one; a clear failure when there is none. */
async function standinImage(repository: string): Promise<string> {
  const { stdout } = await runDocker(["images", repository, "--filter", "label=dockerize-python.standin-for", "--format", "{{.Repository}}:{{.Tag}}"]);
  const image = stdout.split("\n").find(Boolean);
  if (!image) {
    throw new Error(
      `no ${repository} image on this engine: this test uses the harness's stand-ins and builds none.\n` +
        "Fix: run the harness once in hermetic mode, which builds them: flock /tmp/dockerize-python-build.lock node packages/cli/dist/main.js matrix --cell 'slim-gunicorn/py3.13-requirements-django' --mode hermetic",
    );
  }
  return image;
}

/** The app image's entrypoint, as a container of the Python stand-in: waits for DATABASE_HOST, then execs the fake server. */
function startApp(what: string, env: Record<string, string>): Promise<CheckContainer> {
  return startCheckContainer({
    run,
    name: name(what),
    image: pythonImage,
    network,
    env: { PATH: `/opt/fake-server:${pythonPath}`, DATABASE_USER: "app", DATABASE_NAME: "app", DATABASE_PASSWORD: password, DB_WAIT_INTERVAL: "1", ...env },
    options: ["--volume", `${entrypoint}:/usr/local/bin/docker-entrypoint.sh:ro`, "--volume", `${fakeServerDir}:/opt/fake-server:ro`, "--entrypoint", "docker-entrypoint.sh"],
  });
}

/** Polls `probe` every 200 ms until it holds; fails with `what` after `timeoutMs`. */
async function until(what: string, timeoutMs: number, probe: () => Promise<boolean>): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!(await probe())) {
    if (performance.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await new Promise((done) => setTimeout(done, 200));
  }
}

/** Its whole output, asserted free of the password (as it is, and percent-encoded as in a URI). */
async function outputOf(container: CheckContainer): Promise<string> {
  const output = await container.logs(500);
  expect(output).not.toContain(password);
  expect(output).not.toContain(encodeURIComponent(password));
  return output;
}

/** Every process's command line in a running container, asserted free of the password. */
async function expectPasswordInNoCommandLine(container: CheckContainer): Promise<void> {
  const { output } = await container.exec(["sh", "-c", "cat /proc/[0-9]*/cmdline 2>/dev/null; true"]);
  expect(output.replaceAll("\0", " ")).not.toContain(password);
}

beforeAll(async () => {
  pythonImage = await standinImage("dockerize-python-standin-python");
  postgresImage = await standinImage("dockerize-python-standin-postgres");
  fakeServerDir = await mkdtemp(join(tmpdir(), "dpA-db-wait-"));
  await writeFile(join(fakeServerDir, "gunicorn"), `#!/bin/sh\necho "${serverMarker} with $# arguments"\n`);
  await chmod(join(fakeServerDir, "gunicorn"), 0o755);
  await chmod(fakeServerDir, 0o755);
  await runDocker(["network", "create", "--label", `${runLabelKey}=${run.id}`, network]);
});

afterAll(async () => {
  await removeRunResources(run);
  if (fakeServerDir) await rm(fakeServerDir, { recursive: true, force: true });
});

describe("the entrypoint's database wait, with no PostgreSQL driver installed", () => {
  it("runs on an image with no PostgreSQL driver", async () => {
    const { stdout } = await runDocker([
      "run", "--rm", "--label", `${runLabelKey}=${run.id}`, pythonImage, "python", "-c",
      "import importlib.util as u; print([m for m in ('psycopg2', 'psycopg', 'pg8000', 'asyncpg') if u.find_spec(m)])",
    ]);
    expect(stdout.trim()).toBe("[]");
  });

  it("waits for a database that starts after the app, then execs the server", async () => {
    const app = await startApp("late", { DATABASE_HOST: "db-late", DB_WAIT_TIMEOUT: "60" });
    await until("the entrypoint's first try", 10_000, async () => (await app.logs()).includes("waiting up to 60s for PostgreSQL at db-late:5432"));
    // A few seconds with no database: it keeps waiting and has not started the server.
    await new Promise((done) => setTimeout(done, 3_000));
    await expectPasswordInNoCommandLine(app);
    expect((await app.state()).running).toBe(true);
    expect(await outputOf(app)).not.toContain(serverMarker);

    await startCheckContainer({
      run,
      name: name("postgres-late"),
      image: postgresImage,
      network,
      aliases: ["db-late"],
      env: { POSTGRES_USER: "app", POSTGRES_DB: "app", POSTGRES_PASSWORD: password },
    });
    const state = await app.waitForExit(60_000);
    const output = await outputOf(app);
    expect(state, output).toBeDefined();
    expect(state!.exitCode, output).toBe(0);
    expect(output).toContain(serverMarker);
    // It tried while the database was absent (a try that failed before the one that succeeded; how
    // many fit in those seconds depends on the machine's load: one try took 6 s in a CI run), and the
    // server's answer was an authentication request (nothing to show).
    const tries = Number(/accepts connections \(try (\d+),/.exec(output)?.[1]);
    expect(tries, output).toBeGreaterThanOrEqual(2);
    expect(output).not.toContain("its answer to the wait's probe");
  });

  it("gives up on a host that never exists within its DB_WAIT_TIMEOUT, naming the host and the cause", async () => {
    const app = await startApp("never", { DATABASE_HOST: "db-never", DB_WAIT_TIMEOUT: "3" });
    const state = await app.waitForExit(15_000);
    const output = await outputOf(app);
    expect(state, output).toBeDefined();
    expect(state!.exitCode, output).not.toBe(0);
    const ranSeconds = (Date.parse(state!.finishedAt) - Date.parse(state!.startedAt)) / 1000;
    expect(ranSeconds, output).toBeLessThan(8);
    expect(output).toContain("PostgreSQL at db-never:5432 did not accept connections within 3s");
    expect(output).toContain("host=db-never port=5432 database=app user=app");
    expect(output).toMatch(/last error: cannot resolve the host name db-never: (Name or service not known|Temporary failure in name resolution)/);
    expect(output).toContain("check:");
    expect(output).not.toContain(serverMarker);
  });

  it("keeps waiting while PostgreSQL answers 57P03 (in recovery), and takes any other answer as ready", async () => {
    // A standby with nothing to replay from and hot_standby off stays in recovery, refusing every
    // connection with 57P03, until it is promoted. initdb's pg_hba.conf allows TCP from 127.0.0.1
    // only, so once promoted it answers the app's probe with 28000 (no pg_hba.conf entry): up.
    const database = await startCheckContainer({
      run,
      name: name("postgres-recovering"),
      image: postgresImage,
      network,
      aliases: ["db-recovering"],
      options: ["--user", "postgres", "--entrypoint", "sh"],
      command: ["-c", `initdb -D /tmp/data >/dev/null && touch /tmp/data/standby.signal && exec postgres -D /tmp/data -c "listen_addresses=*" -c hot_standby=off`],
    });
    await until("the standby's TCP listener, rejecting connections", 30_000, async () => (await database.exec(["pg_isready", "-h", "127.0.0.1"])).output.includes("rejecting connections"));

    const waiting = await startApp("recovering", { DATABASE_HOST: "db-recovering", DB_WAIT_TIMEOUT: "60" });
    const givesUp = await startApp("recovering-short", { DATABASE_HOST: "db-recovering", DB_WAIT_TIMEOUT: "3" });
    const gaveUp = await givesUp.waitForExit(15_000);
    const shortOutput = await outputOf(givesUp);
    expect(gaveUp?.exitCode, shortOutput).toBe(1);
    expect(shortOutput).toContain("last error: the database system is not accepting connections: Hot standby mode is disabled.");
    expect(shortOutput).not.toContain(serverMarker);
    // The probes reached the server and were refused as it was starting: its log says so.
    expect(await database.logs(200)).toContain("FATAL:  the database system is not accepting connections");
    await expectPasswordInNoCommandLine(waiting);
    expect((await waiting.state()).running).toBe(true);
    expect(await outputOf(waiting)).not.toContain(serverMarker);

    const promoted = await database.exec(["pg_ctl", "promote", "-D", "/tmp/data"]);
    expect(promoted.exitCode, promoted.output).toBe(0);
    const state = await waiting.waitForExit(30_000);
    const output = await outputOf(waiting);
    expect(state?.exitCode, output).toBe(0);
    expect(output).toContain(serverMarker);
    expect(output).toMatch(/its answer to the wait's probe \(user app, no password\): no pg_hba\.conf entry for host "[^"]+", user "app", database "app", no encryption \(SQLSTATE 28000\)/);
  });

  it("sends a StartupMessage and nothing else, even to a server that asks for the password in clear text", async () => {
    // A fake PostgreSQL: it records every byte it receives, answers the first message with
    // AuthenticationCleartextPassword ('R', code 3), and prints what it got once the client hangs up.
    const fakeServer = await startCheckContainer({
      run,
      name: name("fake-postgres"),
      image: pythonImage,
      network,
      aliases: ["db-fake"],
      command: [
        "python", "-u", "-c",
        `import socket, struct
listener = socket.create_server(("", 5432))
print("listening")
connection, _ = listener.accept()
connection.settimeout(20)
received = connection.recv(4096)
connection.sendall(b"R" + struct.pack("!ii", 8, 3))
while chunk := connection.recv(4096):
    received += chunk
print("received", received.hex())`,
      ],
    });
    await until("the fake server's listener", 15_000, async () => (await fakeServer.logs()).includes("listening"));
    const app = await startApp("fake", { DATABASE_HOST: "db-fake", DB_WAIT_TIMEOUT: "20" });
    const state = await app.waitForExit(30_000);
    const output = await outputOf(app);
    expect(state?.exitCode, output).toBe(0);
    expect(output).toContain(serverMarker);

    const serverState = await fakeServer.waitForExit(10_000);
    const serverLog = await fakeServer.logs();
    expect(serverState?.exitCode, serverLog).toBe(0);
    const received = Buffer.from(/received ([0-9a-f]*)/.exec(serverLog)?.[1] ?? "", "hex");
    const body = Buffer.concat([Buffer.from([0, 3, 0, 0]), Buffer.from("user\0app\0database\0app\0\0")]);
    // Exactly one StartupMessage (length, protocol 3.0, user and database): no password message after it.
    expect(received.toString("hex")).toBe(Buffer.concat([Buffer.from([0, 0, 0, body.length + 4]), body]).toString("hex"));
  });
});
