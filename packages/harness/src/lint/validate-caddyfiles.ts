import { dirname, basename } from "node:path";
import { caddyError } from "../caddy/caddy-in-image.ts";
import { DockerCommandError, runDocker } from "../docker/run-docker.ts";
import { lastLines } from "../process/run-process.ts";

export interface CaddyfileVerdict {
  /** The Caddyfile, as given. */
  file: string;
  valid: boolean;
  /** Caddy's own last words: "Valid configuration", or the error with its file and line. */
  detail: string;
}

/**
 * `caddy validate` for each Caddyfile, inside `image` (whose caddy decides which directives and
 * modules exist), with the Caddyfile's folder mounted read-only so `import` works as it would in
 * the image. No network: validation must not depend on one.
 */
export async function validateCaddyfiles(image: string, caddyfiles: readonly string[]): Promise<CaddyfileVerdict[]> {
  const verdicts: CaddyfileVerdict[] = [];
  for (const file of caddyfiles) {
    const mounted = `/dockerize-python-validate/${basename(file)}`;
    try {
      const { stdout, stderr } = await runDocker([
        "run", "--rm", "--network", "none",
        "--mount", `type=bind,source=${dirname(file)},target=/dockerize-python-validate,readonly`,
        "--entrypoint", "caddy", image,
        "validate", "--config", mounted, "--adapter", "caddyfile",
      ]);
      const valid = /Valid configuration/i.test(`${stdout}\n${stderr}`);
      verdicts.push({ file, valid, detail: valid ? "Valid configuration" : `caddy validate printed no verdict: ${lastLines(stderr, 3)}` });
    } catch (error) {
      if (!(error instanceof DockerCommandError)) throw error;
      verdicts.push({ file, valid: false, detail: caddyError(error.output.stderr) });
    }
  }
  return verdicts;
}
