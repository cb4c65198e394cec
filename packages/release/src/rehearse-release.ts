import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type CheckName, ExplainedError, templatePackageName, templatePackageScope } from "@dockerize-python/harness";
import { copyWorkspace } from "./copy-workspace.ts";
import { assertClientsUseRegistry, clientEnvironment, pointProjectAt } from "./registry-clients.ts";
import { assertPublishedLocally, type PublishedPackage } from "./registry-storage.ts";
import { runStep } from "./run-step.ts";
import { type LocalNpmRegistry, startVerdaccio } from "./start-verdaccio.ts";
import { listWorkspacePackages } from "./workspace-packages.ts";

export type Bump = "patch" | "minor" | "major";

export interface RehearseReleaseOptions {
  /** The checkout to rehearse the release of; it is copied, never changed. */
  repoRoot: string;
  /** The bump the rehearsal's changeset gives every public package. */
  bump: Bump;
  /** Templates to install from the registry and copy into an app with the installed CLI's `new`. */
  templates: readonly string[];
  log(line: string): void;
}

/** An app made by the installed CLI's `new` from a template published in the rehearsal. */
export interface RehearsedApp {
  template: string;
  dir: string;
  /** What `new` printed. */
  output: string;
}

/** A finished rehearsal; its registry keeps running until `close`, so that the installed CLI can still use it. */
export interface ReleaseRehearsal {
  registry: LocalNpmRegistry;
  /** The copy of the workspace that was versioned and published. */
  workDir: string;
  /** Each public package's version before and after `changeset version`. */
  versions: Array<{ name: string; before: string; after: string }>;
  published: PublishedPackage[];
  /** What npm and pnpm said they would use, in every folder the rehearsal ran them in. */
  clientRegistries: string[];
  /** The empty folder the CLI and the templates were installed into from the local registry. */
  consumerDir: string;
  /** The installed CLI (its bin script) and the environment to run it with (the local registry). */
  cli: { bin: string; env: NodeJS.ProcessEnv; version: string };
  /** Every package npm installed into the consumer folder, and from where (all from the local registry). */
  installed: Array<{ path: string; resolved: string }>;
  /** Apps made with the installed CLI's `new`; empty when that CLI has no `new` command. */
  apps: RehearsedApp[];
  /** Why `new` did not run, when it did not. */
  newSkipped: string | undefined;
  /** Stops the registry and removes every temporary folder. */
  close(): Promise<void>;
}

/** Our package names: the CLI and everything in our scope. Only these are published, and only locally. */
const localPackages = ["dockerize-python", `${templatePackageScope}/*`];

/**
 * Rehearses a release without touching any registry but a throwaway local one: copies the
 * workspace, starts Verdaccio (our names local-only; third-party dependencies through an uplink to
 * this machine's configured npm registry), adds a changeset bumping every public package, runs the
 * root `version-packages` script (changeset version, then the files that carry a version) and
 * `changeset publish` against it, proves from its storage that every public package was published
 * there, then installs the CLI and the templates into an empty folder from it, runs the installed
 * CLI's `--version` and, when it has one, `new <template>` into a copy of the sample app.
 */
export async function rehearseRelease(options: RehearseReleaseOptions): Promise<ReleaseRehearsal> {
  const { log } = options;
  const root = await mkdtemp(join(tmpdir(), "dockerize-python-release-"));
  const workDir = join(root, "workspace");
  const consumerDir = join(root, "consumer");
  let registry: LocalNpmRegistry | undefined;
  const close = async () => {
    await registry?.stop();
    await rm(root, { recursive: true, force: true });
  };
  try {
    log(`copying the workspace to ${workDir}`);
    const copied = await copyWorkspace(options.repoRoot, workDir);
    log(`copied ${copied} files`);

    const uplink = await machineRegistry(options.repoRoot);
    registry = await startVerdaccio({ dir: join(root, "registry"), localPackages, uplink });
    log(`Verdaccio on ${registry.url}: ${localPackages.join(" and ")} local only; other packages through ${uplink}`);
    const env = await clientEnvironment(registry, join(root, "npmrc"));
    // link-workspace-packages: the checkout's own .npmrc setting, kept; only the registry lines change.
    await pointProjectAt(workDir, registry);
    const clientRegistries = (await assertClientsUseRegistry(workDir, env, registry)).map((line) => `workspace: ${line}`);
    const step = (stepName: string, program: string, args: string[], fix: string, cwd = workDir) => {
      log(stepName);
      return runStep({ step: stepName, program, args, cwd, env, fix });
    };

    // From pnpm's store only: the lockfile's packages, nothing asked of any registry.
    await step("pnpm install --offline", "pnpm", ["install", "--offline", "--frozen-lockfile"], "run `pnpm install` in the checkout first, so pnpm's store holds every package of the lockfile");
    // The CLI (and the harness it needs): version-packages runs it to rewrite the README's templates table.
    await step("build the CLI", "pnpm", ["exec", "turbo", "run", "build", "--filter=dockerize-python", "--output-logs=errors-only"], "fix the build in the checkout (`pnpm exec turbo run build --filter=dockerize-python`)");

    const before = (await listWorkspacePackages(workDir, env)).filter((pkg) => !pkg.private);
    await writeFile(join(workDir, ".changeset", "release-rehearsal.md"), changeset(before.map((pkg) => pkg.name), options.bump));
    await step("pnpm run version-packages", "pnpm", ["run", "version-packages"], "read the output: `changeset version`, the generator or the templates table failed");
    await step("generated files follow the new versions", "node", ["templates/_shared/generate.ts", "--check"], "the root version-packages script must regenerate the templates' files after `changeset version`");
    const after = await listWorkspacePackages(workDir, env);
    const versions = before.map((pkg) => ({ name: pkg.name, before: pkg.version, after: after.find((a) => a.name === pkg.name)?.version ?? "" }));
    const unchanged = versions.filter((v) => v.after === v.before || !v.after);
    if (unchanged.length) throw new ExplainedError(`changeset version did not bump ${unchanged.map((v) => v.name).join(", ")}.\nFix: check .changeset/config.json (ignore, privatePackages) against the rehearsal's changeset.`);

    await step("changeset publish", "pnpm", ["exec", "changeset", "publish", "--no-git-tag"], "read the output: a package's prepack build or its publish to the local registry failed");
    const published = await assertPublishedLocally(registry, versions.map((v) => ({ name: v.name, version: v.after })));
    log(`published ${published.map((p) => `${p.name}@${p.version}`).join(", ")}`);

    await mkdir(consumerDir);
    await writeFile(join(consumerDir, "package.json"), `${JSON.stringify({ name: "release-rehearsal-consumer", private: true }, null, 2)}\n`);
    // resolved URLs in package-lock.json are the proof of where each package came from (this machine's
    // ~/.npmrc may omit them).
    await pointProjectAt(consumerDir, registry, ["omit-lockfile-registry-resolved=false", "audit=false", "fund=false"]);
    clientRegistries.push(...(await assertClientsUseRegistry(consumerDir, env, registry)).map((line) => `consumer: ${line}`));
    const version = (name: string) => versions.find((v) => v.name === name)?.after ?? "";
    const wanted = ["dockerize-python", ...options.templates.map(templatePackageName)].map((name) => `${name}@${version(name)}`);
    await step(`npm install ${wanted.join(" ")}`, "npm", ["install", ...wanted], "read npm's output: a package missing from the local registry, or a third-party one its uplink could not fetch", consumerDir);
    const installed = await installedFrom(consumerDir, registry);

    const bin = join(consumerDir, "node_modules", ".bin", "dockerize-python");
    const cliVersion = (await step("the installed CLI's --version", bin, ["--version"], "the published CLI does not start: run it by hand in the consumer folder", consumerDir)).trim();
    if (cliVersion !== version("dockerize-python")) throw new ExplainedError(`The installed CLI says it is ${cliVersion}, but ${version("dockerize-python")} was published.\nFix: the CLI must read its version from its own package.json.`);

    const help = await step("the installed CLI's --help", bin, ["--help"], "the published CLI does not start", consumerDir);
    const hasNew = /^\s+new\s/m.test(help);
    const apps: RehearsedApp[] = [];
    if (hasNew) {
      for (const template of options.templates) {
        const dir = join(consumerDir, `${template}-app`);
        await cp(join(workDir, "sample-apps", "flask"), dir, { recursive: true });
        const output = await step(`new ${template}`, bin, ["new", template, dir, "--version", version(templatePackageName(template)), "--registry", registry.url], `\`dockerize-python new ${template}\` from the published packages failed`, consumerDir);
        apps.push({ template, dir, output });
      }
    }
    return {
      registry,
      workDir,
      versions,
      published,
      clientRegistries,
      consumerDir,
      cli: { bin, env, version: cliVersion },
      installed,
      apps,
      newSkipped: hasNew ? undefined : `the published CLI ${cliVersion} has no \`new\` command`,
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** A changeset that bumps each of `names`. */
function changeset(names: readonly string[], bump: Bump): string {
  return `---\n${names.map((name) => `"${name}": ${bump}`).join("\n")}\n---\n\nRelease rehearsal: every public package, against a local registry.\n`;
}

/** The npm registry this machine is configured with (what third-party packages come through). */
async function machineRegistry(repoRoot: string): Promise<string> {
  const output = await runStep({ step: "npm config get registry", program: "npm", args: ["config", "get", "registry"], cwd: repoRoot, env: process.env, fix: "make npm runnable" });
  const url = output.split("\n").map((line) => line.trim()).filter((line) => /^https?:\/\//.test(line)).at(-1);
  if (!url) throw new ExplainedError(`npm names no registry (npm config get registry said: ${output.trim()}).\nFix: configure npm's registry (npm config set registry URL).`);
  return url;
}

/** Every package in the consumer's package-lock.json with the URL it came from; one from elsewhere is an error. */
async function installedFrom(consumerDir: string, registry: LocalNpmRegistry): Promise<Array<{ path: string; resolved: string }>> {
  const lock = JSON.parse(await readFile(join(consumerDir, "package-lock.json"), "utf8")) as { packages: Record<string, { resolved?: string; link?: boolean }> };
  const entries = Object.entries(lock.packages).filter(([path, entry]) => path !== "" && !entry.link);
  const elsewhere = entries.filter(([, entry]) => !entry.resolved?.startsWith(registry.url));
  if (elsewhere.length) {
    throw new ExplainedError(
      `npm installed ${elsewhere.length} package(s) from somewhere other than the local registry ${registry.url}: ${elsewhere.slice(0, 5).map(([path, entry]) => `${path} (${entry.resolved ?? "no resolved URL"})`).join(", ")}.\n` +
        "Fix: look for a registry setting the rehearsal did not override (npm config list in the consumer folder).",
    );
  }
  return entries.map(([path, entry]) => ({ path, resolved: entry.resolved! }));
}

/**
 * Runs the installed CLI's `verify` on an app the rehearsal made: the published template's checks,
 * with PostgreSQL and Caddy, as a user would run them. Resolves with what it printed; a failed
 * verification is a ReleaseStepError carrying its output.
 */
export function verifyRehearsedApp(
  rehearsal: ReleaseRehearsal,
  app: RehearsedApp,
  options: {
    mode: "auto" | "hermetic" | "online";
    reportDir: string;
    /** Only these variants (py3.13); all when absent. */
    variants?: readonly string[];
    /** Only these checks (`verify --check`); every check of the template when absent. */
    checks?: readonly CheckName[];
  },
): Promise<string> {
  return runStep({
    step: `verify the ${app.template} app`,
    program: rehearsal.cli.bin,
    args: [
      "verify",
      "--app",
      app.dir,
      "--mode",
      options.mode,
      "--report-dir",
      options.reportDir,
      ...(options.variants ?? []).flatMap((variant) => ["--variant", variant]),
      ...(options.checks ?? []).flatMap((check) => ["--check", check]),
    ],
    cwd: rehearsal.consumerDir,
    env: rehearsal.cli.env,
    fix: `read the report in ${options.reportDir}: the published ${app.template} template does not pass its checks on the sample app`,
    timeoutMs: 30 * 60_000,
  });
}
