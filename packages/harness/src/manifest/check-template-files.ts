import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { buildsOnBuildPlatform, declaredArgs } from "./dockerfile-args.ts";
import type { ManifestProblem } from "./manifest-error.ts";
import type { TemplateManifest } from "./schema.ts";

/**
 * Checks what the manifest promises about the template's files: the Dockerfile and compose file
 * exist under `files/`, and the Dockerfile declares every build arg the manifest lists.
 */
export async function checkTemplateFiles(manifestFile: string, filesDir: string, manifest: TemplateManifest): Promise<ManifestProblem[]> {
  const problems: ManifestProblem[] = [];
  const problem = (path: string, message: string) => problems.push({ file: manifestFile, path, message });

  if (manifest.compose && (await readText(join(filesDir, manifest.compose))) === undefined) {
    problem("compose", `files/${manifest.compose} does not exist; add it or correct "compose"`);
  }
  const dockerfile = await readText(join(filesDir, manifest.dockerfile));
  if (dockerfile === undefined) {
    problem("dockerfile", `files/${manifest.dockerfile} does not exist; add it or correct "dockerfile"`);
    return problems;
  }
  const declared = declaredArgs(dockerfile);
  for (const name of Object.keys(manifest.buildArgs)) {
    if (!declared.has(name)) {
      problem(
        `buildArgs.${name}`,
        `files/${manifest.dockerfile} has no "ARG ${name}", so --build-arg ${name} would do nothing; ` +
          `declare ARG ${name} (before the FROM that uses it, or in the stage that reads it) or remove it from buildArgs`,
      );
    }
  }
  for (const [name, declaredArg] of Object.entries(manifest.buildArgs)) {
    const onBuildPlatform = buildsOnBuildPlatform(dockerfile, name);
    if (Boolean(declaredArg.buildPlatform) !== onBuildPlatform) {
      problem(
        `buildArgs.${name}.buildPlatform`,
        onBuildPlatform
          ? `files/${manifest.dockerfile} builds a stage FROM --platform=$BUILDPLATFORM \${${name}}, so an emulated cell must have the machine's own image there; set "buildPlatform": true`
          : `files/${manifest.dockerfile} has no "FROM --platform=\${BUILDPLATFORM} \${${name}}", so that image is the image's platform's; remove "buildPlatform" or build that stage on $BUILDPLATFORM`,
      );
    }
  }
  return problems;
}

async function readText(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT" || (error as NodeJS.ErrnoException).code === "EISDIR") return undefined;
    throw error;
  }
}
