import { caddyError, caddyInImage, listModules } from "../caddy/caddy-in-image.ts";
import { caddyModulesUsed } from "../caddy/caddy-modules-used.ts";
import { caddyPluginModules } from "../caddy/plugin-probes.ts";
import { DockerCommandError } from "../docker/run-docker.ts";
import { type Check, type CheckContext, fail, pass } from "./check.ts";

/**
 * Every module the baked-in Caddyfile uses is compiled into the image's caddy. The used modules are
 * derived from `caddy adapt` (the JSON the Caddyfile becomes: handlers, matchers, encoders, ...),
 * the available ones from `caddy list-modules`. When the cell was built with CADDY_PLUGINS, each
 * plugin's Go module must also have put at least one module into the binary.
 */
export const caddyModules: Check<Pick<CheckContext, "kind" | "image" | "buildArgs">> = async (context) => {
  if (context.kind !== "proxy") return fail("caddy-modules checks a Caddy image; list it on proxy templates only");
  let config: unknown;
  try {
    const { stdout } = await caddyInImage(context.image, ["adapt", "--config", "/etc/caddy/Caddyfile", "--adapter", "caddyfile"]);
    config = JSON.parse(stdout);
  } catch (error) {
    if (!(error instanceof DockerCommandError)) throw error;
    return fail(`caddy adapt failed, so the modules the Caddyfile uses are unknown: ${caddyError(error.output.stderr)}`);
  }
  const used = [...caddyModulesUsed(config)].sort();
  const available = await listModules(context.image);
  const missing = used.filter((id) => !available.has(id));
  if (missing.length) {
    return fail(`the Caddyfile uses ${missing.join(", ")}, which this caddy does not have (it has ${available.size} modules); build it with the plugin that provides them (CADDY_PLUGINS)`);
  }

  const plugins = caddyPluginModules(context.buildArgs);
  const provided = (plugin: string) => [...available].filter(([, pkg]) => pkg === plugin || pkg.startsWith(`${plugin}/`)).map(([id]) => id).sort();
  const absent = plugins.filter((plugin) => provided(plugin).length === 0);
  if (absent.length) {
    return fail(`built with CADDY_PLUGINS, but list-modules --packages shows no module from ${absent.join(", ")}`);
  }
  const pluginNote = plugins.length ? `; every plugin present (${plugins.map((plugin) => `${plugin}: ${provided(plugin).join(", ")}`).join("; ")})` : "";
  return pass(`all ${used.length} modules the Caddyfile uses are among the image's ${available.size}: ${used.join(", ")}${pluginNote}`);
};
