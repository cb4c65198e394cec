import { randomBytes } from "node:crypto";
import { cp } from "node:fs/promises";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { runProcess } from "../../packages/harness/src/process/run-process.ts";
import { useTempApps } from "./fixtures/temp-apps.ts";

const djangoApp = resolve(import.meta.dirname, "..", "..", "sample-apps", "django");

/**
 * The Django sample app's production settings, judged by Django itself: `manage.py check --deploy`
 * in a virtualenv of this machine's Python with the app's requirements.txt from pip's index.
 */
describe("sample-apps/django", () => {
  const temp = useTempApps();

  it("passes manage.py check --deploy with a SECRET_KEY, and its models need no migration it lacks", async () => {
    const dir = await temp({});
    const venv = join(dir, "venv");
    // A copy: makemigrations --check opens the default database, SQLite's file beside manage.py.
    const app = join(dir, "app");
    await cp(djangoApp, app, { recursive: true });
    await runProcess("python3", ["-m", "venv", venv]);
    const python = join(venv, "bin", "python");
    await runProcess(python, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", join(djangoApp, "requirements.txt")]);
    const env = { ...process.env, SECRET_KEY: randomBytes(40).toString("base64url"), PYTHONDONTWRITEBYTECODE: "1" };
    const check = await runProcess(python, ["manage.py", "check", "--deploy", "--fail-level", "WARNING"], { cwd: app, env });
    expect(check.stdout).toContain("System check identified no issues");
    await runProcess(python, ["manage.py", "makemigrations", "--check", "--dry-run"], { cwd: app, env });
  }, 180_000);
});
