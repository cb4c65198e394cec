import { DockerCommandError, runDocker } from "../docker/run-docker.ts";
import { type Check, fail, pass } from "./check.ts";

/** The Caddyfile baked into the proxy image is valid for the Caddy in that image. */
export const caddyValidate: Check = async ({ image }) => {
  try {
    const { stdout, stderr } = await runDocker([
      "run", "--rm", "--entrypoint", "caddy", image, "validate", "--config", "/etc/caddy/Caddyfile", "--adapter", "caddyfile",
    ]);
    const verdict = `${stdout}\n${stderr}`.match(/Valid configuration/i)?.[0];
    return verdict ? pass("caddy validate: Valid configuration") : fail(`caddy validate printed no verdict: ${stderr.slice(-300)}`);
  } catch (error) {
    if (error instanceof DockerCommandError) return fail(`caddy validate failed: ${error.output.stderr.slice(-500)}`);
    throw error;
  }
};
