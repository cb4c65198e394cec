import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { discoverTemplates, ManifestError, NoTemplatesError, selectTemplates, UnknownTemplateError } from "@dockerize-python/harness";
import { makeTempDir, validManifest, writeTemplate } from "./fixtures/template-fixture.ts";

let temp: Awaited<ReturnType<typeof makeTempDir>>;
beforeEach(async () => (temp = await makeTempDir()));
afterEach(async () => temp.remove());

describe("discoverTemplates", () => {
  it("loads every folder with a template.json, sorted by name, and ignores other folders", async () => {
    for (const name of ["slim-uwsgi", "caddy", "slim"]) await writeTemplate(temp.dir, name);
    await mkdir(join(temp.dir, "node_modules"));
    const templates = await discoverTemplates(temp.dir);
    expect(templates.map((template) => template.name)).toEqual(["caddy", "slim", "slim-uwsgi"]);
  });

  it("reports the problems of every broken template in one ManifestError", async () => {
    await writeTemplate(temp.dir, "good");
    await writeTemplate(temp.dir, "bad-port", { manifest: { ...validManifest("bad-port"), port: 0 } });
    await writeTemplate(temp.dir, "bad-kind", { manifest: { ...validManifest("bad-kind"), kind: "worker" } });

    const error = await discoverTemplates(temp.dir).catch((thrown: unknown) => thrown);
    expect(error).toBeInstanceOf(ManifestError);
    const { problems, message } = error as ManifestError;
    expect(problems.map((problem) => problem.path).sort()).toEqual(["kind", "port"]);
    expect(message).toContain(join(temp.dir, "bad-port", "template.json"));
    expect(message).toContain(join(temp.dir, "bad-kind", "template.json"));
  });

  it("says so when the folder is missing or holds no template", async () => {
    await expect(discoverTemplates(join(temp.dir, "nowhere"))).rejects.toThrow(NoTemplatesError);
    await expect(discoverTemplates(temp.dir)).rejects.toThrow(/no subfolder has a template.json[\s\S]*Fix:/);
  });
});

describe("selectTemplates", () => {
  it("returns the named templates and suggests the nearest name for an unknown one", async () => {
    for (const name of ["caddy", "slim", "slim-uwsgi"]) await writeTemplate(temp.dir, name);
    const all = await discoverTemplates(temp.dir);

    expect(selectTemplates(all, ["slim-uwsgi", "caddy"]).map((template) => template.name)).toEqual(["caddy", "slim-uwsgi"]);

    const error = (() => {
      try {
        selectTemplates(all, ["slim-usgi", "alpine-gunicorn"]);
      } catch (thrown) {
        return thrown;
      }
    })();
    expect(error).toBeInstanceOf(UnknownTemplateError);
    const { message } = error as UnknownTemplateError;
    expect(message).toContain('Unknown template "slim-usgi". Did you mean "slim-uwsgi"?');
    expect(message).toContain('Unknown template "alpine-gunicorn".\n');
    expect(message).toContain("Known templates: caddy, slim, slim-uwsgi.");
  });
});
