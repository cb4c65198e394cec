import type { LoadedTemplate } from "../manifest/load-manifest.ts";
import { formatImageReference, parseImageReference } from "../manifest/image-reference.ts";
import { DistributionApi, RegistryQuestionError } from "./distribution-api.ts";
import { defaultRegistryUrl, NoDefaultRegistryError, registryRepositoryOf } from "./registry-for-reference.ts";
import { newerReleaseTag, newestPatchTag } from "./tag-lines.ts";

/** Where a manifest names a base image: the template and the field (`variants[py3.13].baseImages.PYTHON_IMAGE`). */
export interface BaseImageUse {
  template: string;
  field: string;
}

/** What the registry says of one reference the manifests name. */
export type BaseImageProposal = { ref: string; uses: BaseImageUse[] } & (
  | {
      status: "current" | "update";
      /** The reference to name: the line's tag (moved to a newer release where there is one) pinned by its digest now. */
      proposed: string;
      /** Why it differs from `ref` (update), or what it is (current). */
      why: string;
      /** The newest patch tag of the proposed tag's line, and whether it names the same image now. */
      patch?: { tag: string; sameDigest: boolean };
    }
  | {
      status: "unanswered";
      /** What failed, and the fix. */
      cause: string;
      fix: string;
    }
);

export interface ProposeBaseUpdatesOptions {
  /** Where to ask about unqualified names (`--registry`); default: the Docker engine's index server. */
  registry?: string;
  log?: (line: string) => void;
}

/** Every base image reference the manifests name: base-image build args' defaults, variants' values, the stack's database. */
export function baseImageUses(templates: readonly LoadedTemplate[]): Map<string, BaseImageUse[]> {
  const uses = new Map<string, BaseImageUse[]>();
  const add = (ref: string, template: string, field: string) => uses.set(ref, [...(uses.get(ref) ?? []), { template, field }]);
  for (const { name, manifest } of templates) {
    for (const [arg, declared] of Object.entries(manifest.buildArgs)) if (declared.role === "base-image" && declared.default) add(declared.default, name, `buildArgs.${arg}.default`);
    for (const variant of manifest.variants) for (const [arg, ref] of Object.entries(variant.baseImages)) add(ref, name, `variants[${variant.id}].baseImages.${arg}`);
    if (manifest.stack) add(manifest.stack.database, name, "stack.database");
  }
  return uses;
}

/**
 * For each base image reference the templates name, asks its registry (an unqualified name: the
 * default registry, see registry-for-reference.ts) for the line's tags and the digest its tag names
 * now, and proposes `name:tag@digest`: the tag moved to the newest release of its suffix
 * (alpine3.22 -> alpine3.24) where there is one, pinned by the digest it names today. A reference the
 * registry cannot be asked about is `unanswered`, with the cause and the fix; nothing is thrown for it.
 */
export async function proposeBaseUpdates(templates: readonly LoadedTemplate[], options: ProposeBaseUpdatesOptions = {}): Promise<BaseImageProposal[]> {
  const uses = baseImageUses(templates);
  let defaultUrl: string | undefined;
  let noDefault: NoDefaultRegistryError | undefined;
  try {
    defaultUrl = await defaultRegistryUrl(options.registry);
  } catch (error) {
    if (!(error instanceof NoDefaultRegistryError)) throw error;
    noDefault = error;
  }
  const apis = new Map<string, DistributionApi>();
  const tagLists = new Map<string, Promise<string[]>>();
  const proposals: BaseImageProposal[] = [];
  for (const [ref, where] of [...uses.entries()].sort(([a], [b]) => a.localeCompare(b))) {
    const parsed = parseImageReference(ref, `templates ${where.map((use) => use.template).join(", ")}`);
    if (!parsed.registry && !defaultUrl) {
      proposals.push({ ref, uses: where, status: "unanswered", cause: noDefault!.reason, fix: noDefault!.fix });
      continue;
    }
    const { baseUrl, repository } = registryRepositoryOf(parsed, defaultUrl ?? "");
    const api = apis.get(baseUrl) ?? new DistributionApi(baseUrl);
    apis.set(baseUrl, api);
    options.log?.(`asking ${baseUrl} about ${repository}:${parsed.tag}`);
    try {
      const listKey = `${baseUrl}/${repository}`;
      const tags = tagLists.get(listKey) ?? api.listTags(repository);
      tagLists.set(listKey, tags);
      const known = await tags;
      const newer = newerReleaseTag(parsed.tag, known);
      const tag = newer ?? parsed.tag;
      if (!known.includes(tag)) throw new RegistryQuestionError(`${baseUrl} has no tag ${tag} in ${repository} (${known.length} tags)`);
      const digest = await api.manifestDigest(repository, tag);
      const patchTag = newestPatchTag(tag, known);
      const patch = patchTag ? { tag: patchTag, sameDigest: (await api.manifestDigest(repository, patchTag)) === digest } : undefined;
      const proposed = formatImageReference({ ...parsed, tag, digest });
      const why = [
        newer ? `${parsed.tag} -> ${newer}, the newest release of the line` : undefined,
        parsed.digest === undefined ? `pinned to the digest ${tag} names now` : parsed.digest !== digest || newer ? `${tag} names ${digest} now` : undefined,
      ].filter(Boolean);
      proposals.push({
        ref,
        uses: where,
        proposed,
        ...(patch ? { patch } : {}),
        ...(proposed === ref ? { status: "current", why: `${tag} still names ${digest}` } : { status: "update", why: why.join("; ") }),
      });
    } catch (error) {
      if (!(error instanceof RegistryQuestionError)) throw error;
      proposals.push({
        ref,
        uses: where,
        status: "unanswered",
        cause: error.message,
        fix: options.registry
          ? "check that --registry names a registry that serves this image, reachable from this machine"
          : "run where the registry answers, or pass --registry URL naming a mirror of it that does (HTTPS_PROXY is honoured)",
      });
    }
  }
  return proposals;
}
