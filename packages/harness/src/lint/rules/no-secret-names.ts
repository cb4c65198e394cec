import type { Arg, Env, Property } from "dockerfile-ast";
import type { DockerfileRule } from "../dockerfile-rule.ts";
import type { LintFinding } from "../lint-finding.ts";
import { lineOf } from "../parse-dockerfile.ts";

/** Name parts that say "this holds a secret". Matched per underscore-separated part, not as substrings. */
const secretParts = new Set(["SECRET", "SECRETS", "PASSWORD", "PASSWD", "PASSPHRASE", "TOKEN", "CREDENTIALS", "APIKEY"]);
/** KEY is a secret unless it is a public one: GPG_KEY (the official Python image's), PUBLIC_KEY, KEY_ID. */
const publicKeyParts = new Set(["GPG", "PGP", "PUBLIC", "SIGNING", "KEYRING"]);

/**
 * No ARG or ENV is named like a secret, and no value carries credentials in a URL
 * (`https://user:pass@host`, the way a private PIP_INDEX_URL often does). ARG values are recorded in
 * the image history and ENV values in its config: anyone who pulls the image can read them.
 * Names ending in _FILE (a path to a mounted secret) are the safe pattern and pass.
 */
export const noSecretNames: DockerfileRule = {
  id: "no-secret-names",
  summary: "no ARG or ENV named like a secret (SECRET, PASSWORD, TOKEN, KEY) and no credentials in a URL value",
  check(dockerfile) {
    const findings: LintFinding[] = [];
    const instructions = [...dockerfile.ast.getInstructions(), ...dockerfile.ast.getOnbuildTriggers()];
    for (const instruction of instructions) {
      const keyword = instruction.getKeyword();
      let properties: Property[] = [];
      if (keyword === "ARG") properties = [(instruction as Arg).getProperty()].filter((p): p is Property => !!p);
      else if (keyword === "ENV") properties = (instruction as Env).getProperties();
      for (const property of properties) {
        const name = property.getName();
        const where = { rule: this.id, file: dockerfile.file, line: lineOf(instruction) };
        if (looksSecret(name)) {
          findings.push({
            ...where,
            message: `${keyword} ${name} looks like a secret; its value is readable by anyone with the image (docker history / inspect)`,
            fix:
              keyword === "ARG"
                ? `pass it with docker build --secret id=${name.toLowerCase()} and read it in RUN --mount=type=secret,id=${name.toLowerCase()}`
                : `give it at run time (docker run -e, compose environment or a ${name}_FILE secret), not in the image`,
          });
        }
        if (/^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i.test(property.getValue() ?? "")) {
          findings.push({
            ...where,
            message: `${keyword} ${name} has credentials in its URL, stored in the image`,
            fix: "leave the credentials out of the Dockerfile: pip reads them from a netrc or keyring passed with RUN --mount=type=secret",
          });
        }
      }
    }
    return findings;
  },
};

export function looksSecret(name: string): boolean {
  const parts = name.toUpperCase().split("_").filter(Boolean);
  if (parts.at(-1) === "FILE") return false;
  if (parts.some((part) => secretParts.has(part))) return true;
  return parts.some((part, index) => (part === "KEY" || part === "PRIVATEKEY") && !publicKeyParts.has(parts[index - 1] ?? "") && parts[index + 1] !== "ID");
}
