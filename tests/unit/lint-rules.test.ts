import { readdirSync, readFileSync } from "node:fs";
import { join, relative, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { caddyModulesUsed, dockerfileRules, formatFinding, lintDockerfile, templateFileKinds } from "@dockerize-python/harness";

const fixtures = join(import.meta.dirname, "fixtures", "dockerfiles");
const templatesDir = resolve(import.meta.dirname, "..", "..", "templates");
const fixture = (name: string) => readFileSync(join(fixtures, name), "utf8");
const rulesHit = (name: string) => [...new Set(lintDockerfile(name, fixture(name)).map((finding) => finding.rule))].sort();

describe("Dockerfile lint rules", () => {
  it("pass a Dockerfile that does everything right", () => {
    expect(lintDockerfile("good.Dockerfile", fixture("good.Dockerfile")).map(formatFinding)).toEqual([]);
  });

  // Each broken fixture breaks one rule, and only that rule fires.
  const broken: [string, string][] = [
    ["broken-root.Dockerfile", "non-root-user"],
    ["broken-user-root.Dockerfile", "non-root-user"],
    ["broken-shell-form.Dockerfile", "exec-form-command"],
    ["broken-latest.Dockerfile", "pinned-base-image"],
    ["broken-untagged-arg.Dockerfile", "pinned-base-image"],
    ["broken-short-digest.Dockerfile", "pinned-base-image"],
    ["broken-secret-arg.Dockerfile", "no-secret-names"],
    ["broken-credentials-url.Dockerfile", "no-secret-names"],
    ["broken-secret-file.Dockerfile", "no-secret-files"],
    ["broken-add-url.Dockerfile", "no-add-url"],
    ["broken-apt-cleanup.Dockerfile", "apt-get-install"],
    ["broken-apt-recommends.Dockerfile", "apt-get-install"],
    ["broken-pip-cache.Dockerfile", "pip-no-cache"],
    ["broken-pipefail.Dockerfile", "pipefail"],
    ["broken-onbuild-pipefail.Dockerfile", "pipefail"],
  ];
  it.each(broken)("%s fails %s", (name, rule) => {
    expect(rulesHit(name)).toEqual([rule]);
  });

  it("say where (file:line) and how to fix", () => {
    const [finding] = lintDockerfile("broken-shell-form.Dockerfile", fixture("broken-shell-form.Dockerfile"));
    expect(formatFinding(finding!)).toBe(
      'broken-shell-form.Dockerfile:3 [exec-form-command] CMD python app.py is the shell form: /bin/sh becomes PID 1 and the server never gets SIGTERM. Fix: write it as a JSON array: CMD ["python","app.py"]',
    );
    const [latest] = lintDockerfile("broken-untagged-arg.Dockerfile", fixture("broken-untagged-arg.Dockerfile"));
    expect(latest!.line).toBe(2);
    expect(latest!.message).toContain('with ARG defaults: "python"');
  });

  it("every rule has a fixture that breaks it", () => {
    const broken = new Set(readdirSync(fixtures).filter((name) => name.startsWith("broken-")).flatMap(rulesHit));
    expect(dockerfileRules.map((rule) => rule.id).filter((id) => !broken.has(id))).toEqual([]);
  });

  it("resolve a FROM that names a stage through an ARG (the caddy template's plugin switch)", () => {
    const text = [
      "ARG BASE=caddy:2.10",
      'ARG PLUGINS=""',
      "FROM ${BASE} AS plain",
      "FROM plain${PLUGINS:+-with-plugins}",
      "USER 10002:10002",
      'CMD ["caddy", "run"]',
    ].join("\n");
    expect(lintDockerfile("Dockerfile", text)).toEqual([]);
  });
});

describe("every Dockerfile shipped in templates/", () => {
  const shipped = readdirSync(templatesDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => join(templatesDir, entry.name, "files"));
  it("passes the Dockerfile rules", async () => {
    const findings: string[] = [];
    let count = 0;
    for (const filesDir of shipped) {
      const kinds = await templateFileKinds(filesDir).catch(() => undefined);
      for (const file of kinds?.dockerfiles ?? []) {
        count += 1;
        const name = relative(templatesDir, join(filesDir, file));
        findings.push(...lintDockerfile(name, readFileSync(join(filesDir, file), "utf8")).map(formatFinding));
      }
    }
    expect(count).toBeGreaterThan(0);
    expect(findings).toEqual([]);
  });
});

describe("caddyModulesUsed", () => {
  it("derives handlers, matchers (also inside not), encoders and inline modules from adapted JSON", () => {
    const config = {
      apps: {
        http: {
          servers: {
            srv0: {
              routes: [
                { match: [{ path: ["/static/*"], not: [{ header: { Origin: ["x"] } }] }], handle: [{ handler: "file_server" }] },
                { handle: [{ handler: "encode", encodings: { gzip: {}, zstd: {} } }] },
                { handle: [{ handler: "reverse_proxy", transport: { protocol: "http" }, headers: { request: { set: { Handler: ["x"] } } } }] },
              ],
            },
          },
        },
      },
    };
    expect([...caddyModulesUsed(config)].sort()).toEqual([
      "http",
      "http.encoders.gzip",
      "http.encoders.zstd",
      "http.handlers.encode",
      "http.handlers.file_server",
      "http.handlers.reverse_proxy",
      "http.matchers.header",
      "http.matchers.not",
      "http.matchers.path",
      "http.reverse_proxy.transport.http",
    ]);
  });
});
