import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { findDrift, placeholder, renderTemplates, renderVersionStamps, targets, versionStamped } from "../../templates/_shared/generate.ts";

const repo = resolve(import.meta.dirname, "..", "..");

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

  it("recognise every placeholder form as one (what the generator refuses to leave unfilled)", () => {
    for (const form of ["%%title%%", "%%os:user%%", "%%server:cmd%%", "%%layout:compose-dockerfile%%", "%%common:healthcheck%%", "%%future:Name.x%%"]) expect(form).toMatch(placeholder);
    // Shell parameter expansion in the entrypoint is not a placeholder.
    for (const shell of ["${1%%:*}", "${target%%(*}", "${x%%/*}%%"]) expect(shell).not.toMatch(placeholder);
  });

  it("leave no placeholder unfilled", () => {
    for (const file of files) expect(file.content, file.path).not.toMatch(placeholder);
  });

  it("are the same on a second generation (the generator is deterministic)", () => {
    expect(renderTemplates()).toEqual(files);
  });

  it("are committed exactly as generated (else: node templates/_shared/generate.ts)", () => {
    expect(findDrift(files)).toEqual([]);
  });

  it("label every image with its template's name, package version and repository (what a release bumps)", () => {
    const dockerfiles = [
      ...targets.map(({ template, layout }) => ({ template, path: `templates/${template}/files/docker/${layout === "onbuild" ? "onbuild/" : ""}Dockerfile` })),
      ...versionStamped.map(({ template, file }) => ({ template, path: `templates/${template}/files/${file}` })),
    ];
    const rendered = [...files, ...renderVersionStamps()];
    for (const { template, path } of dockerfiles) {
      const pkg = JSON.parse(readFileSync(join(repo, "templates", template, "package.json"), "utf8")) as { version: string; repository: { url: string } };
      const text = rendered.find((file) => file.path === path)!.content;
      expect(text, path).toContain(`org.opencontainers.image.version="${pkg.version}"`);
      expect(text, path).toContain(`org.opencontainers.image.source="${pkg.repository.url.replace(/^git\+/, "").replace(/\.git$/, "")}"`);
      expect(text, path).toContain(`org.dockerize-python.template="${template}"`);
      // Filled from build args declared right above, after the last RUN (a new date rebuilds no layer).
      expect(text, path).toMatch(/^ARG BUILD_DATE\nARG VCS_REF\nLABEL [^]*?org\.opencontainers\.image\.revision="\$\{VCS_REF\}" \\\n\s+org\.opencontainers\.image\.created="\$\{BUILD_DATE\}"/m);
      const restOfStage = text.slice(text.indexOf("\nARG BUILD_DATE")).split("\nFROM ")[0];
      expect(restOfStage, path).not.toMatch(/^(ONBUILD )?RUN /m);
    }
  });

  it("keep the hand-written caddy Dockerfile's version label in step too (else: node templates/_shared/generate.ts)", () => {
    expect(findDrift(renderVersionStamps())).toEqual([]);
  });

  it("name the base images where the manifests do: compose's database and Caddy defaults, the caddy Dockerfile's ARGs (what `update --write` moves)", () => {
    const manifest = (template: string) => JSON.parse(readFileSync(join(repo, "templates", template, "template.json"), "utf8")) as { stack?: { database: string }; buildArgs: Record<string, { default?: string; role?: string }> };
    const caddy = manifest("caddy").buildArgs;
    for (const { template } of targets) {
      const compose = files.find((file) => file.path === `templates/${template}/files/compose.yaml`)!.content;
      expect(compose, template).toContain(`image: \${POSTGRES_IMAGE:-${manifest(template).stack!.database}}`);
      expect(compose, template).toContain(`CADDY_IMAGE: \${CADDY_IMAGE:-${caddy.CADDY_IMAGE!.default}}`);
    }
    const caddyDockerfile = renderVersionStamps().find((file) => file.path.endsWith("docker/caddy/Dockerfile"))!.content;
    const baseImageArgs = Object.entries(caddy).filter(([, arg]) => arg.role === "base-image");
    expect(baseImageArgs.length).toBe(2);
    for (const [name, arg] of baseImageArgs) expect(caddyDockerfile).toMatch(new RegExp(`^ARG ${name}=${arg.default!.replaceAll(".", "\\.")}$`, "m"));
  });
});
