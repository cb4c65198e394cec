import { describe, expect, it } from "vitest";
import { detectPostgresqlDriver } from "../../packages/harness/src/scaffold/detect-postgresql-driver.ts";
import { useTempApps } from "./fixtures/temp-apps.ts";

describe("detectPostgresqlDriver: a PostgreSQL driver the app's dependency files require", () => {
  const app = useTempApps();

  it.each([
    ["psycopg[binary]>=3.2", "psycopg"],
    ["psycopg2-binary==2.9.10", "psycopg2-binary"],
    ["Psycopg2 ; python_version >= '3.9'", "Psycopg2"],
    ["psycopg_binary", "psycopg_binary"],
    ["asyncpg~=0.30", "asyncpg"],
    ["  pg8000  # the pure-Python driver", "pg8000"],
  ])("finds %s in requirements.txt", async (line, driver) => {
    expect(await detectPostgresqlDriver(await app({ "requirements.txt": `flask==3.1\n${line}\n` }))).toEqual({ driver, file: "requirements.txt" });
  });

  it("reads every requirements*.txt at the root, a Pipfile's packages and a pyproject's dependencies", async () => {
    expect(await detectPostgresqlDriver(await app({ "requirements.txt": "flask\n", "requirements-prod.txt": "-r requirements.txt\npsycopg2\n" }))).toEqual({ driver: "psycopg2", file: "requirements-prod.txt" });
    const pipfile = '[[source]]\nurl = "https://pypi.org/simple"\n\n[packages]\nflask = "*"\npsycopg = {extras = ["binary"], version = "*"}\n';
    expect(await detectPostgresqlDriver(await app({ Pipfile: pipfile }))).toEqual({ driver: "psycopg", file: "Pipfile" });
    const pyproject = '[project]\nname = "shop"\ndependencies = [\n  "flask>=3",\n  "psycopg[binary]>=3.2",\n]\n';
    expect(await detectPostgresqlDriver(await app({ "pyproject.toml": pyproject }))).toEqual({ driver: "psycopg", file: "pyproject.toml" });
    const poetry = '[tool.poetry.dependencies]\npython = "^3.12"\nasyncpg = "^0.30"\n';
    expect(await detectPostgresqlDriver(await app({ "pyproject.toml": poetry }))).toEqual({ driver: "asyncpg", file: "pyproject.toml" });
    const pylock = 'lock-version = "1.0"\n\n[[packages]]\nname = "flask"\nversion = "3.1.3"\n\n[[packages]]\nname = "psycopg"\nversion = "3.3.9"\nwheels = [{ url = "https://files.example/psycopg-3.3.9-py3-none-any.whl", hashes = { sha256 = "00ff" } }]\n';
    expect(await detectPostgresqlDriver(await app({ "pylock.toml": pylock }))).toEqual({ driver: "psycopg", file: "pylock.toml" });
  });

  it("finds none where a name only contains a driver's, a comment or a description mentions one, or no file names one", async () => {
    expect(await detectPostgresqlDriver(await app({ "requirements.txt": "flask\nsqlalchemy-psycopg-helpers\nmy_asyncpg_tools\n# psycopg2 later\n-e ./vendor/psycopg\n" }))).toBeNull();
    const pyproject = '[project]\nname = "shop"\ndescription = "a shop that will use psycopg one day"\ndependencies = ["flask"]\n# "psycopg"\n';
    expect(await detectPostgresqlDriver(await app({ "pyproject.toml": pyproject }))).toBeNull();
    expect(await detectPostgresqlDriver(await app({ "app.py": "import psycopg\n" }))).toBeNull();
  });
});
