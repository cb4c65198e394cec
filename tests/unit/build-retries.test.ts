import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { buildAgainMarker, BuildFailedError, buildImage, DamagedBuildCacheError } from "../../packages/harness/src/docker/build-image.ts";
import { useFakeDocker } from "./fixtures/fake-docker.ts";

const damaged = (record: string) => `failed to prepare ${record} as aezxadmm5wd1kvukm5sm1l0aa: open /var/lib/docker/overlay2/x95lkjktstarbdxuqf5f64d1m/.tmp-committed1017442305: no such file or directory`;

describe("buildImage when the engine fails a build before the step ran", () => {
  // `buildx build` prints, for its n-th call, the n-th line of the errors file and fails (or succeeds when there is none).
  const docker = useFakeDocker(`case "$1 $2" in
  "buildx build")
    n=$(grep -c '^buildx build' "$FAKE_DOCKER_CALLS")
    error=$(sed -n "\${n}p" "$(dirname "$0")/errors")
    echo "#22 [runtime 12/14] RUN compile-bytecode" >&2
    if [ -n "$error" ]; then echo "#22 ERROR: $error" >&2; exit 1; fi
    echo "#22 DONE 0.1s" >&2 ;;
esac`);

  const build = async (errors: string[]) => {
    await writeFile(join(docker.dir(), "errors"), errors.map((line) => `${line}\n`).join(""));
    return buildImage({ context: docker.dir(), tag: "fake:latest" });
  };
  const prunes = async () => (await docker.calls()).filter((line) => line.startsWith("builder prune"));

  it("removes each damaged cache record it meets and builds again, keeping every attempt's log", async () => {
    const built = await build([damaged("okgiaejvbntyrlihwe5hbws75"), damaged("vcqmnhr8tee06949z39pujqjn")]);
    expect(await prunes()).toEqual(["builder prune --force --filter id=okgiaejvbntyrlihwe5hbws75", "builder prune --force --filter id=vcqmnhr8tee06949z39pujqjn"]);
    expect(built.log.split(buildAgainMarker)).toHaveLength(3);
    expect(built.log).toContain("#22 DONE");
  });

  it("gives up, naming the prune, when a record it removed is damaged again", async () => {
    const failing = build([damaged("okgiaejvbntyrlihwe5hbws75"), damaged("okgiaejvbntyrlihwe5hbws75")]);
    await expect(failing).rejects.toThrow(DamagedBuildCacheError);
    await expect(failing).rejects.toThrow(/record okgiaejvbntyrlihwe5hbws75[\s\S]*Fix: remove the build cache \(docker builder prune/);
  });

  it("fails a step's own error at once, removing nothing", async () => {
    await expect(build(['process "/bin/sh -c compile-bytecode" did not complete successfully: exit code: 1'])).rejects.toThrow(BuildFailedError);
    expect(await prunes()).toEqual([]);
  });
});
