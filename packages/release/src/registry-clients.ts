import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ExplainedError, templatePackageScope as packageScope } from "@dockerize-python/harness";
import type { LocalNpmRegistry } from "./start-verdaccio.ts";
import { runStep } from "./run-step.ts";

/** A client would have used another registry than the local one: the rehearsal stops before it does. */
export class RegistryLeakError extends ExplainedError {
  constructor(client: string, dir: string, setting: string, got: string, wanted: string) {
    super(
      `In ${dir}, ${client} would use ${got.trim() || "(nothing)"} for ${setting}, not the rehearsal's local registry ${wanted}.\n` +
        "Fix: this run stopped so that nothing reached another registry; find the config that sets it (`npm config list`, `pnpm config list`: a ~/.npmrc, an environment variable) and report it, since the rehearsal overrides the usual ones.",
    );
  }
}

/** `//127.0.0.1:<port>/`: how .npmrc keys a registry's credentials. */
const credentialsKey = (url: string) => url.replace(/^https?:/, "");

/** What an .npmrc of the rehearsal says: the local registry for everything and our scope, and how to publish to it. */
export function npmrcFor(registry: LocalNpmRegistry): string {
  return [
    `registry=${registry.url}`,
    `${packageScope}:registry=${registry.url}`,
    `${credentialsKey(registry.url)}:_authToken=${registry.token}`,
    "",
  ].join("\n");
}

/**
 * The environment every client of the rehearsal runs with: the caller's, without any npm or pnpm
 * setting of its own, with the local registry named by every means npm and pnpm read (pnpm ignores
 * npm_config_registry, so pnpm_config_registry too), and a user config of the rehearsal's own
 * instead of ~/.npmrc.
 */
export async function clientEnvironment(registry: LocalNpmRegistry, userConfigFile: string): Promise<NodeJS.ProcessEnv> {
  await writeFile(userConfigFile, npmrcFor(registry));
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(npm|pnpm)_config_/i.test(key)));
  return {
    ...env,
    npm_config_registry: registry.url,
    pnpm_config_registry: registry.url,
    npm_config_userconfig: userConfigFile,
    npm_config_update_notifier: "false",
    TURBO_TELEMETRY_DISABLED: "1",
  };
}

/** Adds the rehearsal's registry lines to the .npmrc in `dir` (keeping what it had, as a project's own settings). */
export async function pointProjectAt(dir: string, registry: LocalNpmRegistry, extra: readonly string[] = []): Promise<void> {
  const file = join(dir, ".npmrc");
  const own = await readFile(file, "utf8").catch(() => "");
  const kept = own.split("\n").filter((line) => line.trim() && !/^\s*(registry|@[^:]+:registry|\/\/[^:]+:_authToken)\s*=/.test(line));
  await writeFile(file, [...kept, ...extra, npmrcFor(registry)].join("\n"));
}

/**
 * Asks npm and pnpm, as they will run in `dir` with `env`, which registry they use for any package
 * and for our scope; anything but the local registry is a RegistryLeakError. Returns what they said.
 */
export async function assertClientsUseRegistry(dir: string, env: NodeJS.ProcessEnv, registry: LocalNpmRegistry): Promise<string[]> {
  const said: string[] = [];
  for (const client of ["npm", "pnpm"]) {
    for (const setting of ["registry", `${packageScope}:registry`]) {
      const got = (await runStep({ step: `${client} config get ${setting}`, program: client, args: ["config", "get", setting], cwd: dir, env, fix: `make ${client} runnable here` }))
        .split("\n")
        .map((line) => line.trim())
        .filter((line) => line && !line.startsWith("npm warn"))
        .at(-1) ?? "";
      if (got !== registry.url) throw new RegistryLeakError(client, dir, setting, got, registry.url);
      said.push(`${client} ${setting} = ${got}`);
    }
  }
  return said;
}
