import { effectiveInstructions, flagValues, lineOf, type ParsedDockerfile, stageChain } from "../lint/parse-dockerfile.ts";

/** The credentials a Dockerfile's RUN steps take from BuildKit mounts, and where those steps run. */
export interface SecretMounts {
  /** `RUN --mount=type=secret,id=...` ids (a missing id is the target's file name, as BuildKit reads it). */
  secretIds: string[];
  /** `RUN --mount=type=ssh` ids ("default" when none is given). */
  sshIds: string[];
  /**
   * The stages whose steps mount them. An ONBUILD RUN's mounts count for the stages built FROM the
   * stage that declares it: its trigger runs there.
   */
  stages: Array<{ name: string | undefined; line: number }>;
}

export function secretMounts(dockerfile: ParsedDockerfile): SecretMounts {
  const secretIds = new Set<string>();
  const sshIds = new Set<string>();
  const stages: SecretMounts["stages"] = [];
  for (const stage of dockerfile.stages) {
    // The stage's own RUN steps, and the ONBUILD RUN triggers of the stages it builds on.
    const own = stage.instructions.filter((instruction) => instruction.getKeyword() === "RUN");
    const inherited = stageChain(stage)
      .slice(1)
      .flatMap((ancestor) => effectiveInstructions(ancestor).filter((instruction, index) => ancestor.instructions[index]!.getKeyword() === "ONBUILD" && instruction.getKeyword() === "RUN"));
    let mounts = false;
    for (const run of [...own, ...inherited]) {
      for (const spec of flagValues(run, "mount").map(mountOptions)) {
        if (spec.get("type") === "secret") {
          const target = spec.get("target") ?? spec.get("dst") ?? spec.get("destination") ?? "";
          secretIds.add(spec.get("id") ?? target.split("/").pop() ?? "");
          mounts = true;
        } else if (spec.get("type") === "ssh") {
          sshIds.add(spec.get("id") ?? "default");
          mounts = true;
        }
      }
    }
    if (mounts) stages.push({ name: stage.name, line: lineOf(stage.from) });
  }
  secretIds.delete("");
  return { secretIds: [...secretIds].sort(), sshIds: [...sshIds].sort(), stages };
}

/** `type=secret,id=netrc,target=/root/.netrc` as a map; a bare word (`required`) is "true". */
function mountOptions(spec: string): Map<string, string> {
  return new Map(
    spec.split(",").map((part) => {
      const equals = part.indexOf("=");
      return equals < 0 ? [part.trim(), "true"] : [part.slice(0, equals).trim(), part.slice(equals + 1).trim()];
    }),
  );
}
