import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { capabilitySets } from "../../packages/harness/src/checks/cap-drop-all.ts";
import { containsSecret, secretForms, secretLocations } from "../../packages/harness/src/checks/find-secret.ts";
import { missingCharacters } from "../../packages/harness/src/checks/password-special-chars.ts";
import { checks, sampleAppRoutesNeeded, stackCheckNames } from "../../packages/harness/src/checks/registry.ts";
import { exitStatusMeaning } from "../../packages/harness/src/checks/sigterm-graceful.ts";
import { discoverTemplates } from "../../packages/harness/src/manifest/discover-templates.ts";
import { type CheckName, checkNames, templateManifestSchema } from "../../packages/harness/src/manifest/schema.ts";
import { stackDatabase } from "../../packages/harness/src/stack/start-stack.ts";
import { validManifest } from "./fixtures/template-fixture.ts";

/**
 * The runtime checks' pure parts and their place in the matrix (tests/e2e/runtime-checks.test.ts
 * runs them against real images and broken fixtures).
 */

const repo = resolve(import.meta.dirname, "..", "..");
const appChecks: CheckName[] = ["sigterm-graceful", "db-wait", "password-special-chars", "override-cmd", "read-only-rootfs", "cap-drop-all", "arbitrary-uid", "proxy-upstream-down", "db-restart-under-load"];
const proxyChecks: CheckName[] = ["cap-drop-all", "proxy-upstream-down"];

describe("finding a password where it must not be", () => {
  const password = "P@ss:w/o%rd #?x";

  it("knows it as it is and percent-encoded, as a connection URI carries it", () => {
    expect(secretForms(password)).toEqual(["P@ss:w/o%rd #?x", "P%40ss%3Aw%2Fo%25rd%20%23%3Fx", "P%40ss%3Aw%2Fo%25rd+%23%3Fx"]);
    expect(containsSecret("connecting to postgresql://app:P%40ss%3Aw%2Fo%25rd%20%23%3Fx@db/app", password)).toBe(true);
    expect(containsSecret("connecting to postgresql://app:***@db/app", password)).toBe(false);
  });

  it("reads a process's NUL-separated arguments as words", () => {
    expect(containsSecret("python\0server.py\0--password\0P@ss:w/o%rd #?x\0", password)).toBe(true);
  });

  it("reports every place in docker inspect but the variable the user set", () => {
    const inspect = [
      {
        Args: ["--password", password],
        Config: { Env: ["PATH=/usr/bin", `DATABASE_PASSWORD=${password}`, `DSN=postgresql://app:${encodeURIComponent(password)}@db/app`], Labels: { [password]: "x" } },
      },
    ];
    const allowed = (path: string, text: string) => /^\[\d+\]\.Config\.Env\[\d+\]$/.test(path) && text === `DATABASE_PASSWORD=${password}`;
    expect(secretLocations(inspect, password, allowed)).toEqual(["[0].Args[1]", "[0].Config.Env[2]", `[0].Config.Labels.${password} (the key)`]);
  });
});

describe("the checks' readings", () => {
  it("parses the capability sets of /proc/<pid>/status", () => {
    const status = "Name:\tcaddy\nCapInh:\t0000000000000000\nCapPrm:\t0000000000000000\nCapEff:\t0000000000000400\nCapBnd:\t00000000a80425fb\n";
    expect(capabilitySets(status)).toEqual({ bounding: 0xa80425fbn, effective: 0x400n });
    expect(() => capabilitySets("Name:\tx\n")).toThrow(/no CapBnd line/);
  });

  it("names the characters a password lacks", () => {
    expect(missingCharacters(stackDatabase.password)).toEqual([]);
    expect(missingCharacters("P@ssw0rd")).toEqual([":", "/", "%", "#", "?", " "]);
  });

  it("explains the exit statuses of an unclean stop", () => {
    expect(exitStatusMeaning(143)).toMatch(/killed by the SIGTERM itself/);
    expect(exitStatusMeaning(137)).toMatch(/SIGKILLed .* without exec/);
    expect(exitStatusMeaning(3)).toMatch(/status 3 \(a clean shutdown exits 0\)/);
  });
});

describe("the runtime checks in the matrix", () => {
  it("are known by name to the schema and the registry", () => {
    for (const name of appChecks) {
      expect(checkNames).toContain(name);
      expect(checks[name]).toBeTypeOf("function");
    }
  });

  it("are listed by every Python app template, and the proxy ones by the caddy template", async () => {
    const templates = await discoverTemplates(join(repo, "templates"));
    for (const template of templates) {
      const expected = template.manifest.kind === "app" ? appChecks : proxyChecks;
      expect(template.manifest.checks, template.name).toEqual(expect.arrayContaining(expected));
    }
    expect(templates.filter((template) => template.manifest.kind === "proxy").flatMap((template) => template.manifest.checks)).not.toContain("db-wait");
  });

  it("refuse an app-only check in a manifest with no stack to run it in", () => {
    const manifest = { ...validManifest("proxied"), kind: "proxy", stack: undefined, checks: ["sigterm-graceful", "cap-drop-all"] };
    const result = templateManifestSchema.safeParse(manifest);
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((issue) => issue.message)).toContain('check "sigterm-graceful" needs a stack');
    expect(result.error?.issues.map((issue) => issue.message)).not.toContain('check "cap-drop-all" needs a stack');
  });

  it("run on any app (they know it serves by its probe), but password-special-chars and db-restart-under-load, which need the sample app's version and /visits routes", () => {
    expect(appChecks.filter((name) => Object.hasOwn(sampleAppRoutesNeeded, name))).toEqual(["password-special-chars", "db-restart-under-load"]);
    expect(Object.keys(sampleAppRoutesNeeded).sort()).toEqual(["data-survives-restart", "db-restart-under-load", "password-special-chars"]);
    for (const name of appChecks.filter((check) => check !== "override-cmd")) expect(stackCheckNames.has(name), name).toBe(true);
  });
});

describe("what the templates do for these checks", () => {
  const read = (path: string) => readFile(join(repo, "templates", path), "utf8");

  it("uWSGI shuts down gracefully on SIGTERM (its 2.0 default kills the requests in flight)", async () => {
    for (const file of ["slim-uwsgi/files/docker/Dockerfile", "onbuild/files/docker/onbuild/Dockerfile"]) {
      expect(await read(file)).toContain('UWSGI_HOOK_MASTER_START="unix_signal:15 gracefully_kill_them_all"');
    }
  });

  it("gives the data directory to group 0, writable, for an arbitrary uid", async () => {
    for (const file of ["slim-uwsgi/files/docker/Dockerfile", "slim-gunicorn/files/docker/Dockerfile", "onbuild/files/docker/onbuild/Dockerfile"]) {
      expect(await read(file)).toContain("install -d -o 10001 -g 0 -m 0770 /var/lib/app");
    }
    expect(await read("alpine/files/docker/Dockerfile")).toMatch(/chown 10001:0 \/var\/lib\/app \\\n\s+&& chmod 0770 \/var\/lib\/app/);
  });

  it("runs a caddy binary without file capabilities, so --cap-drop ALL can execute it", async () => {
    const dockerfile = await read("caddy/files/docker/caddy/Dockerfile");
    expect(dockerfile).toMatch(/FROM \$\{CADDY_IMAGE\} AS caddy-binary\nRUN cp \/usr\/bin\/caddy \/usr\/bin\/caddy\.without-capability \\\n\s+&& mv /);
    expect(dockerfile).toContain("XCADDY_SETCAP=0 xcaddy build");
  });
});
