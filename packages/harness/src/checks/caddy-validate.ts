import { readdir } from "node:fs/promises";
import { join, relative } from "node:path";
import { templateFileKinds } from "../lint/template-file-kinds.ts";
import { validateCaddyfiles } from "../lint/validate-caddyfiles.ts";
import { caddyError, caddyInImage } from "../caddy/caddy-in-image.ts";
import { DockerCommandError } from "../docker/run-docker.ts";
import { type Check, type CheckContext, fail, pass } from "./check.ts";

/**
 * The Caddyfile baked into the proxy image, and every Caddyfile any template ships
 * (`templates/<name>/files/**`), are valid for the Caddy in the built image: a Caddyfile a user
 * copies must work with the Caddy this template gives them.
 */
export const caddyValidate: Check<Pick<CheckContext, "kind" | "image" | "templateFiles">> = async (context) => {
  if (context.kind !== "proxy") return fail("caddy-validate checks a Caddy image; list it on proxy templates only");
  const problems: string[] = [];
  try {
    const { stdout, stderr } = await caddyInImage(context.image, ["validate", "--config", "/etc/caddy/Caddyfile", "--adapter", "caddyfile"]);
    if (!/Valid configuration/i.test(`${stdout}\n${stderr}`)) problems.push(`/etc/caddy/Caddyfile (baked in): caddy validate printed no verdict`);
  } catch (error) {
    if (!(error instanceof DockerCommandError)) throw error;
    problems.push(`/etc/caddy/Caddyfile (baked in): ${caddyError(error.output.stderr)}`);
  }

  const { templatesDir } = context.templateFiles;
  const shipped = await shippedCaddyfiles(templatesDir);
  const verdicts = await validateCaddyfiles(context.image, shipped);
  for (const verdict of verdicts.filter((v) => !v.valid)) problems.push(`${relative(templatesDir, verdict.file)}: ${verdict.detail}`);
  if (problems.length) return fail(`${problems.length} invalid for the image's Caddy:\n${problems.join("\n")}`);
  return pass(`baked-in /etc/caddy/Caddyfile valid; ${shipped.length} shipped Caddyfile(s) valid: ${shipped.map((file) => relative(templatesDir, file)).join(", ")}`);
};

/** Every Caddyfile under `templates/<name>/files/`, as absolute paths. */
export async function shippedCaddyfiles(templatesDir: string): Promise<string[]> {
  const found: string[] = [];
  for (const entry of (await readdir(templatesDir, { withFileTypes: true })).filter((e) => e.isDirectory())) {
    const filesDir = join(templatesDir, entry.name, "files");
    const kinds = await templateFileKinds(filesDir).catch(() => undefined);
    for (const file of kinds?.caddyfiles ?? []) found.push(join(filesDir, file));
  }
  return found.sort();
}
