import { ExplainedError } from "../explained-error.ts";
import { type Platform, platformArchitecture } from "./platform.ts";
import { runDocker } from "./run-docker.ts";

/** The engine's own platform (`linux/amd64`): what it builds and runs without emulation. */
export async function engineOwnPlatform(): Promise<string> {
  return (await runDocker(["version", "--format", "{{.Server.Os}}/{{.Server.Arch}}"])).stdout.trim();
}

/** The platforms the engine's builder says it can build for (`docker buildx inspect`'s Platforms line). */
export async function enginePlatforms(): Promise<string[]> {
  const { stdout } = await runDocker(["buildx", "inspect"]);
  return parseBuilderPlatforms(stdout);
}

/** The Platforms line of `docker buildx inspect` (`linux/amd64, linux/amd64/v2, linux/arm64`), as a list. */
export function parseBuilderPlatforms(inspectOutput: string): string[] {
  const line = inspectOutput.split("\n").find((text) => /^Platforms:/.test(text));
  return line ? line.slice("Platforms:".length).split(",").map((platform) => platform.trim().replace(/\*$/, "")).filter(Boolean) : [];
}

/**
 * Refuses, before any build, platforms the engine cannot build for: another architecture needs an
 * emulator registered with binfmt_misc on the engine's machine (scripts/setup.sh registers arm64's).
 */
export async function assertEngineBuildsFor(wanted: readonly Platform[]): Promise<void> {
  const available = await enginePlatforms();
  const missing = wanted.filter((platform) => !available.includes(platform));
  if (missing.length) {
    throw new ExplainedError(
      `This Docker engine cannot build for ${missing.join(", ")}: its builder lists ${available.join(", ") || "no platforms"}.\n` +
        `Fix: register an emulator for ${missing.map(platformArchitecture).join(", ")} on the engine's machine (scripts/setup.sh installs qemu-user-static and registers it with binfmt_misc), then run again; or leave ${missing.join(", ")} out of --platform.`,
    );
  }
}
