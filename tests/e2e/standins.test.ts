import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { PostgreSqlContainer, type StartedPostgreSqlContainer } from "@testcontainers/postgresql";
import { GenericContainer, type StartedTestContainer, Wait } from "testcontainers";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DockerCommandError, runDocker } from "../../packages/harness/src/docker/run-docker.ts";
import { inspectImage } from "../../packages/harness/src/docker/inspect-image.ts";
import { ensureStandin, standinFor, standinLabel } from "../../packages/harness/src/hermetic/standins.ts";
import { goModuleSource } from "./fixtures/go-module-source.ts";

/**
 * The stand-ins against a real Docker engine: each is built (or reused), then used the way
 * templates, compose files and testcontainers use the official image it replaces.
 */

// Ryuk (testcontainers' reaper) is an image that cannot be pulled here: every test cleans up itself.
process.env.TESTCONTAINERS_RYUK_DISABLED = "true";

/** Every container these tests start carries this label, so that afterAll can remove leftovers. */
const ownerLabel = { "h1-test": "standins" };
const unique = () => Math.random().toString(36).slice(2, 8);

async function removeLeftoverContainers(): Promise<void> {
  const { stdout } = await runDocker(["ps", "-aq", "--filter", "label=h1-test=standins"]);
  const ids = stdout.split("\n").filter(Boolean);
  if (ids.length) await runDocker(["rm", "-fv", ...ids]);
}

/** Runs `script` with bash in a throwaway container of `image`; resolves with its output and exit code. */
async function runInImage(image: string, script: string, extraArgs: string[] = []): Promise<{ code: number; output: string }> {
  const args = ["run", "--rm", "--name", `h1-standins-${unique()}`, "--label", "h1-test=standins", ...extraArgs, "--entrypoint", "bash", image, "-c", script];
  try {
    const { stdout, stderr } = await runDocker(args);
    return { code: 0, output: stdout + stderr };
  } catch (error) {
    if (!(error instanceof DockerCommandError)) throw error;
    return { code: error.exitCode ?? -1, output: error.output.stdout + error.output.stderr };
  }
}

afterAll(removeLeftoverContainers);

describe.each([
  { official: "python:3.11-slim-bookworm", version: "3.11.2", pip: "23.0.1" },
  { official: "python:3.13-slim-trixie", version: "3.13.5", pip: "25.1.1" },
  { official: "python:3.14-slim-trixie", version: "3.14.8", pip: "26.2.2" },
])("the $official stand-in", ({ official, version, pip }) => {
  let image: string;

  beforeAll(async () => {
    image = (await ensureStandin(official)).image;
  });

  it("is labelled with the image it stands in for and has the official image's environment", async () => {
    const facts = await inspectImage(image);
    expect(facts.labels[standinLabel]).toBe(official);
    expect(facts.env).toContain("LANG=C.UTF-8");
    expect(facts.env).toContain(`PYTHON_VERSION=${version}`);
    expect(facts.user).toBe("");
    const { stdout } = await runDocker(["image", "inspect", "--format", "{{json .Config.Cmd}}", image]);
    expect(JSON.parse(stdout)).toEqual(["python3"]);
  });

  it("has python, python3, pip and pip3 in /usr/local/bin, Python.h, and no EXTERNALLY-MANAGED marker", async () => {
    const { code, output } = await runInImage(
      image,
      `set -e
       for tool in python python3 pip pip3; do echo "$tool=$(command -v $tool)"; done
       python --version
       pip --version
       python -c 'import sysconfig, os; print("Python.h", os.path.exists(os.path.join(sysconfig.get_paths()["include"], "Python.h")))'
       ls /usr/lib/python3*/EXTERNALLY-MANAGED 2>/dev/null || echo "no marker"
       python -c 'import ssl, sqlite3, zoneinfo; zoneinfo.ZoneInfo("Europe/Paris"); print("stdlib ok")'`,
    );
    expect(output, output).toContain("python=/usr/local/bin/python\n");
    for (const tool of ["python3", "pip", "pip3"]) expect(output).toContain(`${tool}=/usr/local/bin/${tool}\n`);
    expect(output).toContain(`Python ${version}\n`);
    expect(output).toMatch(new RegExp(`pip ${pip.replaceAll(".", "\\.")} from \\S+ \\(python ${version.split(".").slice(0, 2).join("\\.")}\\)`));
    expect(output).toContain("Python.h True");
    expect(output).toContain("no marker");
    expect(output).toContain("stdlib ok");
    expect(code).toBe(0);
  });

  it("imports every standard-library module the official slim image can (dbm.gnu, dbm.ndbm, curses, readline, lzma, ...)", async () => {
    // sys.stdlib_module_names lists every module of this Python's standard library; each must
    // import, and so must the submodules that need a C library Debian may split out. Left out,
    // each for its reason, are only the modules the official slim image cannot use either.
    const { code, output } = await runInImage(
      image,
      `python - <<'PY'
import contextlib, importlib, io, sys
not_in_official_slim = {
    # Other platforms' modules.
    "_ios_support", "_overlapped", "_scproxy", "_winapi", "_wmi", "msvcrt", "nt", "winreg", "winsound", "_msi", "msilib",
    # Tk: the official slim images carry no Tk libraries, so their _tkinter cannot load either.
    "_tkinter", "tkinter", "turtle", "turtledemo", "idlelib",
    # Importing them acts (opens a browser; prints the Zen of Python).
    "antigravity", "this",
}
submodules = ["dbm.gnu", "dbm.ndbm", "curses", "curses.panel", "readline", "lzma", "bz2", "zlib", "sqlite3", "ssl", "ctypes", "uuid", "decimal", "zoneinfo", "hashlib", "xml.parsers.expat"]
failed = []
for name in sorted(set(sys.stdlib_module_names) - not_in_official_slim) + submodules:
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            importlib.import_module(name)
    except Exception as error:
        failed.append(f"{name}: {error}")
print("cannot import:", failed or "none")
PY`,
    );
    expect(output).toContain("cannot import: none");
    expect(code).toBe(0);
  });

  it("builds a C extension into a venv after apt-get installs gcc, as a template's builder stage does", async () => {
    const source = await mkdtemp(join(tmpdir(), "h1-standins-ext-"));
    try {
      await writeFile(
        join(source, "setup.py"),
        'from setuptools import Extension, setup\nsetup(name="h1probe", version="1.0", ext_modules=[Extension("h1probe", ["h1probe.c"])])\n',
      );
      await writeFile(
        join(source, "h1probe.c"),
        [
          "#include <Python.h>",
          "static PyObject *answer(PyObject *self, PyObject *args) { return PyLong_FromLong(42); }",
          'static PyMethodDef methods[] = {{"answer", answer, METH_NOARGS, NULL}, {NULL, NULL, 0, NULL}};',
          'static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "h1probe", NULL, -1, methods};',
          "PyMODINIT_FUNC PyInit_h1probe(void) { return PyModule_Create(&module); }",
          "",
        ].join("\n"),
      );
      // No PyPI here: setuptools for the build comes from the wheels the image seeds venvs with.
      const { code, output } = await runInImage(
        image,
        `set -e
         apt-get update -qq
         apt-get install -y -qq --no-install-recommends gcc libc6-dev libpq-dev >/dev/null
         python -m venv /opt/venv
         /opt/venv/bin/pip install -q --no-index --find-links /usr/share/python-wheels setuptools wheel
         cp -r /src /tmp/ext
         /opt/venv/bin/pip install -q --no-index --no-build-isolation /tmp/ext
         /opt/venv/bin/python -c 'import h1probe; print("extension answers", h1probe.answer())'
         pg_config --version`,
        ["--volume", `${source}:/src:ro`],
      );
      expect(output, output).toContain("extension answers 42");
      expect(output).toMatch(/PostgreSQL \d+/);
      expect(code).toBe(0);
    } finally {
      await rm(source, { recursive: true, force: true });
    }
  });
});

describe("the postgres:17-trixie stand-in", () => {
  let image: string;
  const started: StartedTestContainer[] = [];

  beforeAll(async () => {
    image = (await ensureStandin("postgres:17-trixie")).image;
  });

  afterAll(async () => {
    for (const container of started) await container.stop({ remove: true, removeVolumes: true });
  });

  /** psql from a second container over TCP (so pg_hba's password rule applies), by connection URI. */
  async function psqlOverTcp(uri: string, sql: string): Promise<{ code: number; output: string }> {
    return runInImage(image, `psql "$URI" -v ON_ERROR_STOP=1 -qtAc "$SQL"`, ["--network", "host", "--env", `URI=${uri}`, "--env", `SQL=${sql}`]);
  }

  const uriOf = (container: StartedTestContainer, user: string, password: string, db: string) =>
    `postgresql://${encodeURIComponent(user)}:${encodeURIComponent(password)}@${container.getHost()}:${container.getMappedPort(5432)}/${encodeURIComponent(db)}`;

  it("starts unchanged under PostgreSqlContainer and answers queries", async () => {
    const container: StartedPostgreSqlContainer = await new PostgreSqlContainer(image).withName(`h1-standins-pg-${unique()}`).withLabels(ownerLabel).start();
    started.push(container);
    const result = await container.exec(["psql", "-U", container.getUsername(), "-d", container.getDatabase(), "-tAc", "SELECT current_user || ' ' || current_database() || ' ' || current_setting('server_version_num')"]);
    expect(result.output.trim()).toMatch(/^test test 17\d{4}$/);
    const tcp = await psqlOverTcp(uriOf(container, "test", "test", "test"), "SELECT 1");
    expect(tcp.output.trim()).toBe("1");
  });

  it("takes a password with @ : / % # ? and spaces, runs initdb scripts, and refuses a wrong password over TCP", async () => {
    const password = "p@ss w:rd/%20#frag?q=1 &end";
    const user = "app user";
    const database = "app-db";
    const container = await new PostgreSqlContainer(image)
      .withName(`h1-standins-pg-${unique()}`)
      .withLabels(ownerLabel)
      .withUsername(user)
      .withPassword(password)
      .withDatabase(database)
      // PostgreSqlContainer's own health check puts the password unquoted into a shell command
      // (`PGPASSWORD=<password> pg_isready ...`), which a space breaks whatever the image. The same
      // check without a shell, as testcontainers lets any caller set it:
      .withHealthCheck({ test: ["CMD", "pg_isready", "--host", "localhost", "--username", user, "--dbname", database], interval: 250, timeout: 1000, retries: 1000 })
      .withCopyContentToContainer([
        { content: "CREATE TABLE from_sql (x int); INSERT INTO from_sql VALUES (7);\n", target: "/docker-entrypoint-initdb.d/10-table.sql" },
        { content: gzipSync("INSERT INTO from_sql VALUES (8);\n"), target: "/docker-entrypoint-initdb.d/20-row.sql.gz" },
        {
          // Not executable, so the entrypoint sources it: it may use docker_process_sql, as officially.
          content: 'echo "init script sees POSTGRES_DB=$POSTGRES_DB"\ndocker_process_sql -c "INSERT INTO from_sql VALUES (9)"\n',
          target: "/docker-entrypoint-initdb.d/30-row.sh",
        },
      ])
      .start();
    started.push(container);

    const ok = await psqlOverTcp(
      uriOf(container, user, password, database),
      "SELECT current_user, string_agg(x::text, ',' ORDER BY x), (SELECT rolpassword LIKE 'SCRAM-SHA-256$%' FROM pg_authid WHERE rolname = current_user) FROM from_sql",
    );
    expect(ok.output.trim(), ok.output).toBe("app user|7,8,9|t");
    expect(ok.code).toBe(0);

    const wrong = await psqlOverTcp(uriOf(container, user, `${password}x`, database), "SELECT 1");
    expect(wrong.code).not.toBe(0);
    expect(wrong.output).toContain("password authentication failed");

    const logs = await runDocker(["logs", container.getId()]);
    expect(logs.stdout + logs.stderr).toContain("init script sees POSTGRES_DB=app-db");
    expect(logs.stdout + logs.stderr).toContain("PostgreSQL init process complete; ready for start up.");
  });

  it("reads POSTGRES_*_FILE, keeps data in the PGDATA volume across a restart without a second initdb", async () => {
    const container = await new GenericContainer(image)
      .withName(`h1-standins-pg-${unique()}`)
      .withLabels(ownerLabel)
      .withExposedPorts(5432)
      .withEnvironment({ POSTGRES_USER_FILE: "/run/secrets/user", POSTGRES_PASSWORD_FILE: "/run/secrets/password" })
      .withCopyContentToContainer([
        { content: "secret user", target: "/run/secrets/user" },
        { content: "s3cret from a file", target: "/run/secrets/password" },
      ])
      .withHealthCheck({ test: ["CMD", "pg_isready", "--host", "localhost"], interval: 250, timeout: 1000, retries: 1000 })
      .withWaitStrategy(Wait.forHealthCheck())
      .start();
    started.push(container);
    const uri = () => uriOf(container, "secret user", "s3cret from a file", "secret user");
    expect((await psqlOverTcp(uri(), "CREATE TABLE kept (x int); SELECT 'created'")).output.trim()).toBe("created");

    await container.restart();
    await waitUntil(async () => (await psqlOverTcp(uri(), "SELECT count(*) FROM kept")).output.trim() === "0");
    const logs = await runDocker(["logs", container.getId()]);
    expect(logs.stdout + logs.stderr).toContain("appears to contain a database; Skipping initialization");
    const { stdout } = await runDocker(["inspect", "--format", "{{range .Mounts}}{{.Type}}:{{.Destination}} {{end}}", container.getId()]);
    expect(stdout.trim()).toBe("volume:/var/lib/postgresql/data");
  });

  it("refuses to initialise without a password, as the official image does", async () => {
    const { code, output } = await runInImage(image, "exec docker-entrypoint.sh postgres");
    expect(output).toContain("superuser password is not specified");
    expect(code).toBe(1);
  });

  it("has the official image's stop signal, port, command, PATH tools and postgres user", async () => {
    const { stdout } = await runDocker(["image", "inspect", "--format", "{{.Config.StopSignal}} {{json .Config.ExposedPorts}} {{json .Config.Cmd}} {{json .Config.Volumes}}", image]);
    expect(stdout.trim()).toBe('SIGINT {"5432/tcp":{}} ["postgres"] {"/var/lib/postgresql/data":{}}');
    const { output } = await runInImage(image, "command -v pg_isready psql postgres initdb; id postgres");
    expect(output).toContain("/usr/bin/pg_isready");
    expect(output).toContain("/usr/bin/psql");
    expect(output).toContain("/usr/lib/postgresql/17/bin/postgres");
    expect(output).toContain("uid=999(postgres) gid=999(postgres)");
  });
});

describe("the caddy:2.10 stand-in", () => {
  let image: string;
  const started: StartedTestContainer[] = [];

  beforeAll(async () => {
    image = (await ensureStandin("caddy:2.10")).image;
  });

  afterAll(async () => {
    for (const container of started) await container.stop({ remove: true, removeVolumes: true });
  });

  it("serves its default site: the welcome page from /usr/share/caddy on :80", async () => {
    const container = await new GenericContainer(image).withName(`h1-standins-caddy-${unique()}`).withLabels(ownerLabel).withExposedPorts(80).withWaitStrategy(Wait.forHttp("/", 80)).start();
    started.push(container);
    const response = await fetch(`http://${container.getHost()}:${container.getMappedPort(80)}/`);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("Caddy");
  });

  it("answers HTTP with its default config replaced by a small Caddyfile", async () => {
    const caddyfile = [":8080 {", '\theader X-Standin "h1"', '\trespond /hello "hello from the stand-in" 200', "\trespond 404", "}", ""].join("\n");
    const container = await new GenericContainer(image)
      .withName(`h1-standins-caddy-${unique()}`)
      .withLabels(ownerLabel)
      .withCopyContentToContainer([{ content: caddyfile, target: "/etc/caddy/Caddyfile" }])
      .withExposedPorts(8080)
      .withWaitStrategy(Wait.forHttp("/hello", 8080))
      .start();
    started.push(container);
    const base = `http://${container.getHost()}:${container.getMappedPort(8080)}`;
    const hello = await fetch(`${base}/hello`);
    expect(hello.status).toBe(200);
    expect(hello.headers.get("x-standin")).toBe("h1");
    expect(await hello.text()).toBe("hello from the stand-in");
    expect((await fetch(`${base}/elsewhere`)).status).toBe(404);
  });

  it("is shaped like the official image: paths, environment, volumes, ports and command", async () => {
    const facts = await inspectImage(image);
    expect(facts.labels[standinLabel]).toBe("caddy:2.10");
    expect(facts.env).toEqual(expect.arrayContaining(["XDG_CONFIG_HOME=/config", "XDG_DATA_HOME=/data"]));
    const { stdout } = await runDocker(["image", "inspect", "--format", "{{json .Config.Volumes}} {{json .Config.ExposedPorts}} {{json .Config.Cmd}} {{.Config.WorkingDir}}", image]);
    expect(stdout.trim()).toBe(
      '{"/config":{},"/data":{}} {"2019/tcp":{},"443/tcp":{},"443/udp":{},"80/tcp":{}} ["caddy","run","--config","/etc/caddy/Caddyfile","--adapter","caddyfile"] /srv',
    );
    const { output } = await runInImage(image, "command -v caddy; caddy version; caddy validate --config /etc/caddy/Caddyfile --adapter caddyfile 2>&1 | tail -1");
    expect(output).toContain("/usr/bin/caddy\n");
    expect(output).toContain(`${standinFor("caddy:2.10")?.version}\n`);
    expect(output).toContain("Valid configuration");
  });
});

const goModules = await goModuleSource();

describe.skipIf(!goModules)("the caddy:2.10 stand-in compiled from source (needs go and its Go module proxy)", () => {
  let image: string;
  let builder: string;

  beforeAll(async () => {
    const sources = { goModules: goModules! };
    builder = (await ensureStandin("caddy:2.10-builder", () => {}, sources)).image;
    image = (await ensureStandin("caddy:2.10", () => {}, sources)).image;
  });

  it("is Caddy 2.10.2 with the standard modules only, shaped like the official image (no volumes, as it has none)", async () => {
    expect(image).toMatch(/^dockerize-python-standin-caddy-source:2\.10\.2-trixie-/);
    const facts = await inspectImage(image);
    expect(facts.labels[standinLabel]).toBe("caddy:2.10");
    expect(facts.env).toEqual(expect.arrayContaining(["CADDY_VERSION=v2.10.2", "XDG_CONFIG_HOME=/config", "XDG_DATA_HOME=/data"]));
    const { stdout } = await runDocker(["image", "inspect", "--format", "{{json .Config.Volumes}} {{json .Config.ExposedPorts}} {{json .Config.Cmd}} {{.Config.WorkingDir}}", image]);
    expect(stdout.trim()).toBe('null {"2019/tcp":{},"443/tcp":{},"443/udp":{},"80/tcp":{}} ["caddy","run","--config","/etc/caddy/Caddyfile","--adapter","caddyfile"] /srv');
    const { output } = await runInImage(image, "command -v caddy; caddy version; getcap /usr/bin/caddy; stat -c %a /config/caddy /data/caddy; caddy list-modules | grep -E 'Non-standard modules'; caddy validate --config /etc/caddy/Caddyfile --adapter caddyfile 2>&1 | tail -1");
    expect(output).toMatch(/^\/usr\/bin\/caddy\nv2\.10\.2 /);
    expect(output).toContain("/usr/bin/caddy cap_net_bind_service=ep");
    expect(output).toContain("1777\n1777\n");
    expect(output).toContain("Non-standard modules: 0");
    expect(output).toContain("Valid configuration");
  });

  it("has a builder shaped like caddy:2.10-builder: xcaddy on PATH, CADDY_VERSION naming what it builds, its own Go, no proxy or CA bundle in its environment", async () => {
    const facts = await inspectImage(builder);
    expect(facts.env).toEqual(expect.arrayContaining(["CADDY_VERSION=v2.10.2", "XCADDY_VERSION=v0.4.5", "XCADDY_SETCAP=1", "XCADDY_SKIP_CLEANUP=1", "GOPATH=/go"]));
    expect(facts.env.some((entry) => /^(GOPROXY|GOSUMDB|SSL_CERT_FILE)=/.test(entry))).toBe(false);
    const { output } = await runInImage(builder, "command -v xcaddy go; pwd; xcaddy version; go env GOVERSION GOTOOLCHAIN");
    expect(output).toMatch(/^\/usr\/bin\/xcaddy\n\/usr\/local\/go\/bin\/go\n\/usr\/bin\nv0\.4\.5 .*\ngo1\.26\.8\nlocal\n$/);
  });
});

/** Retries `check` every 250 ms for up to 20 s. */
async function waitUntil(check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error("condition not met within 20 s");
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
