import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { discoverTemplates, renderTemplatesTable, replaceTemplatesTable } from "@dockerize-python/harness";
import { makeTempDir, validManifest, writeTemplate } from "./fixtures/template-fixture.ts";

const repo = resolve(import.meta.dirname, "..", "..");

describe("the README's table of templates", () => {
  it("is the one rendered from the manifests (run `pnpm exec dockerize-python templates-table --write README.md`)", async () => {
    const readme = await readFile(join(repo, "README.md"), "utf8");
    const table = renderTemplatesTable(await discoverTemplates(join(repo, "templates")));
    expect(replaceTemplatesTable(readme, table)).toBe(readme);
  });

  it("names every template and marks the variants that need a registry or the Go module proxy", async () => {
    const table = renderTemplatesTable(await discoverTemplates(join(repo, "templates")));
    for (const name of ["slim-uwsgi", "slim-gunicorn", "onbuild", "alpine", "caddy"]) expect(table).toContain(`| \`${name}\` `);
    expect(table).toContain("| caddy2, caddy2-plugins† |");
    expect(table).toContain("| py3.11†, py3.13†, py3.14† |");
  });

  it("names the kinds of app each template serves (the sample apps its cells build), none for the proxy", async () => {
    const table = renderTemplatesTable(await discoverTemplates(join(repo, "templates")));
    expect(table).toMatch(/\| `slim-gunicorn` [\d.]+ \| app \| wsgi, django \|/);
    expect(table).toMatch(/\| `slim-asgi` [\d.]+ \| app \| asgi \|/);
    expect(table).toMatch(/\| `caddy` [\d.]+ \| proxy \| — \|/);
  });

  it("marks with ‡ the dependency styles that need PyPI's files", async () => {
    const table = renderTemplatesTable(await discoverTemplates(join(repo, "templates")));
    expect(table).toContain("| requirements, pipenv, pyproject, uv‡, poetry‡, pylock‡ |");
  });

  it("marks with † exactly the variants that declare needs, and says what † means", async () => {
    const temp = await makeTempDir();
    try {
      const needing = validManifest("needing") as { variants: Array<Record<string, unknown>> };
      needing.variants[0] = { ...needing.variants[0], needs: { goModuleProxy: "compiles Go modules" } };
      needing.variants[1] = { ...needing.variants[1], needs: {} };
      const registry = validManifest("registry") as { variants: Array<Record<string, unknown>> };
      registry.variants[1] = { ...registry.variants[1], needs: { imageRegistry: "no stand-in for its image" } };
      await writeTemplate(temp.dir, "needing", { manifest: needing });
      await writeTemplate(temp.dir, "plain");
      await writeTemplate(temp.dir, "registry", { manifest: registry });

      const rows = renderTemplatesTable(await discoverTemplates(temp.dir)).split("\n");
      // An empty needs needs nothing: it is built wherever the others are.
      expect(rows.find((row) => row.startsWith("| `needing` "))).toContain("| py3.13†, py3.11 |");
      expect(rows.find((row) => row.startsWith("| `plain` "))).toContain("| py3.13, py3.11 |");
      expect(rows.find((row) => row.startsWith("| `registry` "))).toContain("| py3.13, py3.11† |");
      expect(rows.at(-3)).toMatch(/^† needs a container registry, the Go module proxy or PyPI.s own files .*reported as skip with the reason/);
      expect(rows.at(-2)).toMatch(/^‡ a lock made against PyPI.*reported as skip with the reason/);
      expect(rows.at(-1)).toMatch(/^§ emulated here .* lint, http-through-caddy, non-root, size-budget .* `matrix --platform linux\/amd64` leaves these cells out\.$/);
      // A manifest without platforms: linux/amd64 alone, no emulated platform.
      expect(rows.find((row) => row.startsWith("| `plain` "))).toContain("| linux/amd64 |");
    } finally {
      await temp.remove();
    }
  });

  it("refuses a document without the markers", () => {
    expect(() => replaceTemplatesTable("# no table here", "| x |")).toThrow(/has no <!-- templates-table/);
  });
});
