import type { TemplateManifest } from "../manifest/schema.ts";
import { runProcess } from "../process/run-process.ts";

/**
 * The build args through which a template's Dockerfile fills its OCI labels
 * `org.opencontainers.image.created` and `.revision` (a manifest declares them with role "option").
 */
export const provenanceArgs = { created: "BUILD_DATE", revision: "VCS_REF" } as const;

/** When an image is built and from which commit: what the harness passes as BUILD_DATE and VCS_REF. */
export interface BuildProvenance {
  /** RFC 3339, UTC, whole seconds: 2026-11-29T12:00:00Z. */
  created: string;
  /** The commit of the git checkout holding the built app, or "unknown" outside one. */
  revision: string;
}

/** The provenance of a build of the app in `appDir`, now. */
export async function buildProvenance(appDir: string, now: Date = new Date()): Promise<BuildProvenance> {
  return { created: now.toISOString().replace(/\.\d{3}Z$/, "Z"), revision: await gitRevision(appDir) };
}

/** The provenance build args the manifest declares, with their values; none when it declares neither. */
export function provenanceBuildArgs(manifest: Pick<TemplateManifest, "buildArgs">, provenance: BuildProvenance): Record<string, string> {
  const args: Record<string, string> = {};
  if (manifest.buildArgs[provenanceArgs.created]) args[provenanceArgs.created] = provenance.created;
  if (manifest.buildArgs[provenanceArgs.revision]) args[provenanceArgs.revision] = provenance.revision;
  return args;
}

async function gitRevision(dir: string): Promise<string> {
  try {
    const { stdout } = await runProcess("git", ["-C", dir, "rev-parse", "HEAD"]);
    return stdout.trim();
  } catch {
    // Not a git checkout (an app copied elsewhere, a tarball), or no git: nothing to name.
    return "unknown";
  }
}
