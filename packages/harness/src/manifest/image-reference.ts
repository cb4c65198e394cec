import { z } from "zod";
import { ExplainedError } from "../explained-error.ts";

/**
 * An image reference as templates write one: `[registry/]repository:tag[@sha256:<64 hex>]`, the
 * docker convention (distribution/reference) with two rules of ours: a tag is always named (never an
 * implicit or explicit `latest`), also beside a digest, so that a person and `update` can see which
 * line the image follows; and a digest is sha256, the only one registries serve.
 */
export interface ImageReference {
  /** The registry host (`ghcr.io`, `127.0.0.1:5000`) when the reference names one; undefined: the default registry. */
  registry: string | undefined;
  /** The repository as written, without the registry (`python`, `org/app`). */
  repository: string;
  tag: string;
  /** `sha256:<64 hex>` when the reference is pinned by digest. */
  digest: string | undefined;
}

/** One path component of a repository: lower-case letters and digits, separated by `.`, `_`, `__` or dashes. */
const pathComponent = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
/** A registry host: a DNS name or an IPv4 address, with an optional port. */
const registryHost = /^[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*(?::\d+)?$/;
const tagPattern = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const digestPattern = /^sha256:[0-9a-f]{64}$/;

/** The fix every problem with a digest ends with: where to copy a whole one from. */
const digestFix = "copy the digest whole, e.g. from `dockerize-python update` or `docker buildx imagetools inspect <name:tag>` (the Digest line)";

/** Why `digest` (what follows the @) is not a whole sha256 digest, and the fix; undefined when it is one. */
export function digestProblem(digest: string): { problem: string; fix: string } | undefined {
  if (digestPattern.test(digest)) return undefined;
  const hex = digest.startsWith("sha256:") ? digest.slice("sha256:".length) : undefined;
  const problem =
    hex === undefined
      ? `"${digest}" is not a sha256 digest (it must start with sha256:)`
      : `the digest has ${hex.length} characters after sha256:${/[^0-9a-f]/.test(hex) ? ", not all lower-case hexadecimal digits" : ""}; it needs exactly 64 lower-case hexadecimal digits`;
  return { problem, fix: digestFix };
}

/** Why `ref` is not an image reference a template may name, with the fix; undefined when it is one. */
export function imageReferenceProblem(ref: string): string | undefined {
  const at = ref.split("@");
  if (at.length > 2) return `"${ref}" has more than one "@": write name:tag@sha256:<64 hex digits>, one digest`;
  const [named, digest] = at as [string, string | undefined];
  const badDigest = digest === undefined ? undefined : digestProblem(digest);
  if (badDigest) return `"${ref}": ${badDigest.problem}. Fix: ${badDigest.fix}`;
  const slash = named.lastIndexOf("/");
  const colon = named.lastIndexOf(":");
  if (colon <= slash) {
    return digest === undefined
      ? `"${ref}" has no tag, which means latest: an image reference with an explicit tag, such as python:3.13-slim-trixie`
      : `"${ref}" is pinned by digest but names no tag: write name:tag@${digest} (such as python:3.13-slim-trixie@sha256:...), so that the line it follows is readable and \`update\` can find newer tags`;
  }
  const tag = named.slice(colon + 1);
  if (!tagPattern.test(tag)) return `"${tag}" is not a valid tag (letters, digits, _ . -; up to 128, not starting with . or -)`;
  if (tag === "latest") return "the tag must be pinned, not latest";
  const { registry, repository } = splitName(named.slice(0, colon));
  if (registry !== undefined && !registryHost.test(registry)) return `"${registry}" is not a registry host (name or address, optional :port)`;
  if (!repository.split("/").every((part) => pathComponent.test(part))) {
    return `"${repository}" is not a repository name: an image reference with an explicit tag, such as python:3.13-slim-trixie (lower-case path components)`;
  }
  return undefined;
}

/** The first component is a registry when it looks like a host (a dot, a port or localhost), as docker decides. */
function splitName(name: string): { registry: string | undefined; repository: string } {
  const [first, ...rest] = name.split("/");
  if (rest.length && (first!.includes(".") || first!.includes(":") || first === "localhost")) return { registry: first, repository: rest.join("/") };
  return { registry: undefined, repository: name };
}

/** A reference a template may not name: the problem says which part and the fix. */
export class InvalidImageReferenceError extends ExplainedError {
  readonly ref: string;

  constructor(ref: string, problem: string, where: string) {
    super(`${where} names the image reference "${ref}", which is not valid: ${problem}`);
    this.ref = ref;
  }
}

/** `ref` taken apart; an InvalidImageReferenceError naming `where` (a field, a file) when it is not one. */
export function parseImageReference(ref: string, where = "The manifest"): ImageReference {
  const problem = imageReferenceProblem(ref);
  if (problem) throw new InvalidImageReferenceError(ref, problem, where);
  const [named, digest] = ref.split("@") as [string, string | undefined];
  const colon = named.lastIndexOf(":");
  return { ...splitName(named.slice(0, colon)), tag: named.slice(colon + 1), digest };
}

/** The reference written back: `[registry/]repository:tag[@digest]`. */
export function formatImageReference(ref: ImageReference): string {
  return `${ref.registry ? `${ref.registry}/` : ""}${ref.repository}:${ref.tag}${ref.digest ? `@${ref.digest}` : ""}`;
}

/** `ref` without its digest (`python:3.13-slim-trixie@sha256:...` -> `python:3.13-slim-trixie`): the name and tag it was pinned from. */
export function withoutDigest(ref: string): string {
  const at = ref.indexOf("@");
  return at < 0 ? ref : ref.slice(0, at);
}

/** The digest `ref` is pinned to, or undefined. */
export function digestOf(ref: string): string | undefined {
  const at = ref.indexOf("@");
  return at < 0 ? undefined : ref.slice(at + 1);
}

/**
 * A base image reference in a manifest: with an explicit tag other than latest, optionally pinned by
 * digest (`python:3.13-slim-trixie@sha256:<64 hex>`).
 */
export const imageReferenceSchema = z
  .string()
  .superRefine((ref, context) => {
    const problem = imageReferenceProblem(ref);
    if (problem) context.addIssue({ code: "custom", message: problem });
  })
  // For editors reading the JSON schema (the refinement above, with its explanations, is what validates).
  .meta({ pattern: "^[^\\s@]+:[A-Za-z0-9_][A-Za-z0-9_.-]*(@sha256:[0-9a-f]{64})?$", examples: ["python:3.13-slim-trixie", "python:3.13-slim-trixie@sha256:<64 hex digits>"] });

/** A reference by tag alone: what the stand-in catalogue names (a stand-in cannot be pinned to an official digest). */
export const taggedImageReferenceSchema = imageReferenceSchema.refine((ref) => digestOf(ref) === undefined, "name the official image by tag, without a digest");
