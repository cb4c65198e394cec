import { describe, expect, it } from "vitest";
import { findDrift, renderTemplates, targets } from "../../templates/_shared/generate.ts";

/**
 * The Python app templates' shared files are generated from templates/_shared (as
 * docker-library/python generates its Dockerfiles): the committed copies must be exactly what a
 * fresh generation writes, or an edit went to a generated file instead of its source.
 */
describe("generated template files", () => {
  const files = renderTemplates();

  it("are generated for every target template", () => {
    const paths = files.map((file) => file.path);
    for (const { template, layout } of targets) {
      expect(paths).toContain(`templates/${template}/files/docker/${layout === "onbuild" ? "onbuild/" : ""}Dockerfile`);
      expect(paths).toContain(`templates/${template}/files/docker/docker-entrypoint.sh`);
      expect(paths).toContain(`templates/${template}/files/docker/install-dependencies.sh`);
    }
  });

  it("include the onbuild base's shared files, and leave its one-line child Dockerfile to the template", () => {
    const paths = files.map((file) => file.path);
    for (const file of ["docker/onbuild/Dockerfile", "docker/docker-entrypoint.sh", "docker/install-dependencies.sh", "compose.yaml", ".env.example", ".dockerignore"]) {
      expect(paths).toContain(`templates/onbuild/files/${file}`);
    }
    expect(paths).not.toContain("templates/onbuild/files/docker/Dockerfile");
    // The same install script as the multi-stage templates: one source, not a copy.
    const text = (path: string) => files.find((file) => file.path === path)!.content;
    expect(text("templates/onbuild/files/docker/install-dependencies.sh")).toBe(text("templates/slim-uwsgi/files/docker/install-dependencies.sh"));
    expect(text("templates/onbuild/files/docker/docker-entrypoint.sh")).toBe(text("templates/slim-uwsgi/files/docker/docker-entrypoint.sh"));
  });

  it("each say where they come from and that they must not be edited", () => {
    for (const file of files) {
      const header = file.content.startsWith("#!") ? file.content.split("\n")[1] : file.content.split("\n")[0];
      expect(header, file.path).toMatch(/^# generated from templates\/_shared\/src\/\S+ by templates\/_shared\/generate\.ts, do not edit$/);
    }
  });

  it("leave no placeholder unfilled", () => {
    for (const file of files) expect(file.content, file.path).not.toMatch(/%%(os:|server:)?[a-z_-]+%%/);
  });

  it("are the same on a second generation (the generator is deterministic)", () => {
    expect(renderTemplates()).toEqual(files);
  });

  it("are committed exactly as generated (else: node templates/_shared/generate.ts)", () => {
    expect(findDrift(files)).toEqual([]);
  });
});
