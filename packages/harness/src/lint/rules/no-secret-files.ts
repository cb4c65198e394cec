import type { DockerfileRule } from "../dockerfile-rule.ts";
import type { LintFinding } from "../lint-finding.ts";
import { effectiveInstructions, lineOf } from "../parse-dockerfile.ts";

/** File names that hold credentials: logins (netrc, pypirc, git's store), ssh private keys, an app's .env. */
const credentialFiles = new Set([".netrc", "_netrc", ".pypirc", ".git-credentials", "id_rsa", "id_dsa", "id_ecdsa", "id_ed25519", "id_ecdsa_sk", "id_ed25519_sk", ".env"]);
/** Folders whose files are credentials: ssh keys, GnuPG private keys, cloud logins. */
const credentialFolders = new Set([".ssh", ".gnupg", ".aws"]);

/**
 * No COPY or ADD (nor their ONBUILD triggers) brings a credential file into a layer: a later
 * `rm` hides it but the layer keeps it, and a builder stage's layers sit in the build cache (and in
 * any cache exported with --cache-to). The seed article's "write the ssh key in the build stage" is
 * this mistake. A BuildKit secret or ssh mount gives a step the credential without any layer.
 */
export const noSecretFiles: DockerfileRule = {
  id: "no-secret-files",
  summary: "no COPY or ADD of credential files (.netrc, .pypirc, ssh keys, .env, ~/.ssh)",
  check(dockerfile) {
    const findings: LintFinding[] = [];
    for (const stage of dockerfile.stages) {
      for (const instruction of effectiveInstructions(stage)) {
        const keyword = instruction.getKeyword();
        if (keyword !== "COPY" && keyword !== "ADD") continue;
        const sources = instruction
          .getArguments()
          .map((argument) => argument.getValue())
          .filter((value) => !value.startsWith("--"))
          .slice(0, -1);
        for (const source of sources.filter(isCredentialPath)) {
          findings.push({
            rule: this.id,
            file: dockerfile.file,
            line: lineOf(instruction),
            message: `${keyword} ${source} puts a credential into a layer, readable by anyone with the image or its build cache`,
            fix:
              "mount it into the one step that needs it instead: RUN --mount=type=secret,id=netrc,target=/root/.netrc ... (docker build --secret id=netrc,src=$HOME/.netrc), or RUN --mount=type=ssh for an ssh key (docker build --ssh default)",
          });
        }
      }
    }
    return findings;
  },
};

function isCredentialPath(source: string): boolean {
  const parts = source.replace(/\/+$/, "").split("/");
  return credentialFiles.has(parts.at(-1)!) || parts.some((part) => credentialFolders.has(part));
}
