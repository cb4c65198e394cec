import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { firstProxyUrl, indexUrlFromPipConfigList, readMachineConfig } from "../../packages/harness/src/sources/machine-config.ts";
import { makeTempDir } from "./fixtures/template-fixture.ts";

/** What this machine's configuration says, read from the env given: never a host named in the repository. */

describe("indexUrlFromPipConfigList", () => {
  // `pip config list` as pip prints it: one `section.key='value'` line per setting; `:env:` lines
  // are the PIP_* variables, which readMachineConfig reads itself (PIP_INDEX_URL first).
  const configured = [
    ":env:.cert='/etc/ssl/certs/ca-certificates.crt'",
    ":env:.default-timeout='180'",
    ":env:.index-url='https://env-index.example/simple'",
    "global.cert='/etc/ssl/certs/ca-certificates.crt'",
    "global.extra-index-url='https://extra-index.example/simple'",
    "global.index-url='https://global-index.example/pypi/simple'",
    "install.trusted-host='install-index.example'",
  ];

  it("takes the global section's index-url, not an extra index or an :env: line", () => {
    expect(indexUrlFromPipConfigList(`${configured.join("\n")}\n`)).toBe("https://global-index.example/pypi/simple");
  });

  it("prefers the install section's, which pip install reads over the global one", () => {
    const output = [...configured, "install.index-url='http://install-index.example:3141/root/pypi/+simple/'"].join("\n");
    expect(indexUrlFromPipConfigList(output)).toBe("http://install-index.example:3141/root/pypi/+simple/");
  });

  it("ignores the download section, which pip install does not read", () => {
    expect(indexUrlFromPipConfigList("download.index-url='https://download-index.example/simple'\n")).toBeUndefined();
    expect(indexUrlFromPipConfigList("download.index-url='https://download-index.example/simple'\nglobal.index-url='https://global-index.example/simple'")).toBe(
      "https://global-index.example/simple",
    );
  });

  it("finds none when pip has no index-url configured (pip's default, PyPI)", () => {
    expect(indexUrlFromPipConfigList("")).toBeUndefined();
    expect(indexUrlFromPipConfigList(configured.filter((line) => !line.includes(".index-url=")).join("\n"))).toBeUndefined();
    expect(indexUrlFromPipConfigList(":env:.index-url='https://env-index.example/simple'\n")).toBeUndefined();
  });
});

describe("firstProxyUrl", () => {
  it("takes the first proxy of a comma or pipe list, without its trailing slash", () => {
    expect(firstProxyUrl("https://goproxy-a.example,direct")).toBe("https://goproxy-a.example");
    expect(firstProxyUrl("https://goproxy-a.example/|https://goproxy-b.example,direct")).toBe("https://goproxy-a.example");
    expect(firstProxyUrl(" https://mirror.example/go/ , off")).toBe("https://mirror.example/go");
    expect(firstProxyUrl("http://goproxy.internal.example:3000")).toBe("http://goproxy.internal.example:3000");
    expect(firstProxyUrl("file:///srv/goproxy/")).toBe("file:///srv/goproxy");
  });

  it("skips direct, which fetches from version control rather than from a proxy", () => {
    expect(firstProxyUrl("direct,https://goproxy-b.example")).toBe("https://goproxy-b.example");
    expect(firstProxyUrl("direct")).toBeUndefined();
  });

  it("finds none in off or an empty list", () => {
    expect(firstProxyUrl("off")).toBeUndefined();
    expect(firstProxyUrl("direct|off")).toBeUndefined();
    expect(firstProxyUrl("")).toBeUndefined();
  });
});

describe("readMachineConfig", () => {
  let temp: Awaited<ReturnType<typeof makeTempDir>>;
  /** A PATH with no program in it: neither pip nor go can be asked, so only the env given counts. */
  let emptyPath: string;
  beforeEach(async () => {
    temp = await makeTempDir();
    emptyPath = join(temp.dir, "no-programs");
    await mkdir(emptyPath);
  });
  afterEach(async () => temp.remove());

  it("reads the CA bundle, pip's index and the Go proxy and checksum database from the environment", async () => {
    const bundle = join(temp.dir, "proxy-ca.pem");
    await writeFile(bundle, "-----BEGIN CERTIFICATE-----\n-----END CERTIFICATE-----\n");
    const config = await readMachineConfig({
      PATH: emptyPath,
      SSL_CERT_FILE: bundle,
      PIP_INDEX_URL: "https://pip-index.example/simple",
      GOPROXY: "https://goproxy.example/,direct",
      GOSUMDB: "sum.goproxy.example",
    });
    expect(config).toEqual({
      caBundle: bundle,
      pipIndexUrl: "https://pip-index.example/simple",
      goProxy: "https://goproxy.example",
      goSumDb: "sum.goproxy.example",
      notes: [`CA bundle: ${bundle}`, "pip index: set by this machine's pip configuration", "Go module proxy: from GOPROXY (go env)"],
    });
    // The notes go into logs and reports: they say where each came from, never the hosts.
    expect(config.notes.join("\n")).not.toContain("example");
  });

  it("finds no Go proxy in GOPROXY=off, and a GOSUMDB of off is passed on as it is", async () => {
    const config = await readMachineConfig({ PATH: emptyPath, PIP_INDEX_URL: "https://pip-index.example/simple", GOPROXY: "off", GOSUMDB: "off" });
    expect(config.goProxy).toBeUndefined();
    expect(config.goSumDb).toBe("off");
    expect(config.notes).toContain("Go module proxy: none in GOPROXY (off)");
  });

  it("takes an empty GOPROXY or PIP_INDEX_URL as unset, as go and pip do", async () => {
    const config = await readMachineConfig({ PATH: emptyPath, PIP_INDEX_URL: "", GOPROXY: "", GOSUMDB: "" });
    expect(config.pipIndexUrl).toBeUndefined();
    expect(config.goProxy).toBeUndefined();
    expect(config.goSumDb).toBeUndefined();
    // No go command to ask here: the proxy is unknown, not "none".
    expect(config.notes).toContain("Go module proxy: unknown (no go command here and GOPROXY unset)");
    expect(config.notes).toContain("pip index: pip's default (PyPI)");
  });

  it("passes over an SSL_CERT_FILE that does not exist, to the system bundle when there is one", async () => {
    const missing = join(temp.dir, "gone.pem");
    const config = await readMachineConfig({ PATH: emptyPath, SSL_CERT_FILE: missing, PIP_INDEX_URL: "https://pip-index.example/simple", GOPROXY: "off", GOSUMDB: "off" });
    expect(config.caBundle).not.toBe(missing);
    if (config.caBundle === undefined) {
      expect(config.notes).toContain("CA bundle: none found (SSL_CERT_FILE unset or missing, no system bundle)");
    } else {
      expect(existsSync(config.caBundle)).toBe(true);
      expect(config.notes).toContain(`CA bundle: ${config.caBundle}`);
    }
  });
});
