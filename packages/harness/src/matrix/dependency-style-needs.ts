import { type Platform, platformArchitecture } from "../docker/platform.ts";
import type { DependencyStyle, VariantNeeds } from "../manifest/schema.ts";

/**
 * Why a lock-file style needs PyPI's own files: its installer (uv, Poetry, a pip that reads
 * pylock.toml) is not among the packages the local index repacks from Debian, and its lock names
 * the hashes (and, for uv.lock and pylock.toml, the URLs) of the files on the index it was made
 * against, which the repacked files do not have. Pipfile.lock is no such case: the harness locks
 * the Pipfile against the run's own index.
 */
const lockedAgainstPypi = (lock: string, installer: string) =>
  `${lock} installs with ${installer} from PyPI, which the local index repacked from Debian's packages does not hold, and names the hashes of PyPI's files, which that index's repacked files would not match`;

/** What each dependency style needs of a run's sources beyond what every cell needs. */
const styleNeeds: Partial<Record<DependencyStyle, VariantNeeds>> = {
  uv: { pypiFiles: lockedAgainstPypi("uv.lock", "uv") },
  poetry: { pypiFiles: lockedAgainstPypi("poetry.lock", "Poetry") },
  pylock: { pypiFiles: lockedAgainstPypi("pylock.toml", "a pip new enough to read it") },
};

/**
 * Why a cell that installs Python packages for an emulated platform needs PyPI's own files: the local
 * index repacks this machine's Debian packages, whose compiled wheels are this machine's
 * architecture's, not the platform's.
 */
const platformWheels = (platform: Platform): VariantNeeds => ({
  pypiFiles: `an ${platformArchitecture(platform)} build installs ${platformArchitecture(platform)} wheels, from PyPI; the local index repacks this machine's own Debian packages, whose compiled wheels are not ${platformArchitecture(platform)}'s`,
});

/**
 * A cell's needs: its variant's, then its dependency style's, then its emulated platform's when it
 * installs Python packages (undefined when none needs anything).
 */
export function cellNeeds(variantNeeds: VariantNeeds | undefined, style: DependencyStyle | null, platform?: Platform): VariantNeeds | undefined {
  const own = style ? styleNeeds[style] : undefined;
  const platformOwn = style && platform ? platformWheels(platform) : undefined;
  return variantNeeds || own || platformOwn ? { ...variantNeeds, ...own, ...platformOwn } : undefined;
}
