import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { discoverTemplates, renderTemplatesTable, replaceTemplatesTable } from "@dockerize-python/harness";

const repo = resolve(import.meta.dirname, "..", "..");

describe("the README's table of templates", () => {
  it("is the one rendered from the manifests (run `pnpm exec dockerize-python templates-table --write README.md`)", async () => {
    const readme = await readFile(join(repo, "README.md"), "utf8");
    const table = renderTemplatesTable(await discoverTemplates(join(repo, "templates")));
    expect(replaceTemplatesTable(readme, table)).toBe(readme);
  });

  it("names every template and marks the cells hermetic mode skips", async () => {
    const table = renderTemplatesTable(await discoverTemplates(join(repo, "templates")));
    for (const name of ["slim-uwsgi", "slim-gunicorn", "onbuild", "alpine", "caddy"]) expect(table).toContain(`| \`${name}\` `);
    expect(table).toContain("caddy2-plugins†");
  });

  it("refuses a document without the markers", () => {
    expect(() => replaceTemplatesTable("# no table here", "| x |")).toThrow(/has no <!-- templates-table/);
  });
});
