/**
 * The platforms an image is built for. linux/amd64 is this project's machines' own; linux/arm64 is
 * built and run under emulation there (qemu-user-static registered with binfmt_misc: scripts/setup.sh).
 */
export const platforms = ["linux/amd64", "linux/arm64"] as const;
export type Platform = (typeof platforms)[number];

/** The architecture part of a platform (`arm64`), as Debian and image tags name it. */
export function platformArchitecture(platform: Platform): string {
  return platform.slice("linux/".length);
}

/**
 * What an image tag gains when the image is built for a platform asked for by name: `-arm64`. None
 * when no platform was asked for (the engine's own), so that names made before platforms existed stay
 * the same.
 */
export function platformTagSuffix(platform: Platform | undefined): string {
  return platform ? `-${platformArchitecture(platform)}` : "";
}

/** Whether `value` names a platform this project builds for (a command-line value, say). */
export function isPlatform(value: string): value is Platform {
  return (platforms as readonly string[]).includes(value);
}
