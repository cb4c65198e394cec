import { chmod, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { buildAgainMarker, BuildFailedError, buildImage, DamagedBuildCacheError } from "../../packages/harness/src/docker/build-image.ts";
import { makeTempDir } from "./fixtures/template-fixture.ts";

/**
 * buildImage against a docker command of the test's own (first on PATH): `buildx build` prints, for
 * its n-th call, the n-th line of $FAKE_BUILD_ERRORS and fails (or succeeds when there is none);
 * every call is written to $FAKE_DOCKER_CALLS.
 */
const fakeDocker = `#!/bin/sh
echo "$*" >> "$FAKE_DOCKER_CALLS"
case "$1 $2" in
  "info --format") echo fake-engine ;;
  "buildx build")
    n=$(grep -c '^buildx build' "$FAKE_DOCKER_CALLS")
    error=$(sed -n "\${n}p" "$FAKE_BUILD_ERRORS")
    if [ -n "$error" ]; then echo "#22 [runtime 12/14] RUN compile-bytecode" >&2; echo "#22 ERROR: $error" >&2; exit 1; fi
    echo "#22 [runtime 12/14] RUN compile-bytecode" >&2; echo "#22 DONE 0.1s" >&2 ;;
esac
`;

const damaged = (record: string) => `failed to prepare ${record} as aezxadmm5wd1kvukm5sm1l0aa: open /var/lib/docker/overlay2/x95lkjktstarbdxuqf5f64d1m/.tmp-committed1017442305: no such file or directory`;

describe("buildImage when the engine fails a build before the step ran", () => {
  // One folder for the describe block: the build lock's file is found once a process (in TMPDIR).
  let temp: { dir: string; remove: () => Promise<void> };
  const saved = { PATH: process.env.PATH, TMPDIR: process.env.TMPDIR, DOCKER_HOST: process.env.DOCKER_HOST };

  beforeAll(async () => {
    temp = await makeTempDir();
    await writeFile(join(temp.dir, "docker"), fakeDocker);
    await chmod(join(temp.dir, "docker"), 0o755);
    Object.assign(process.env, {
      PATH: `${temp.dir}:${process.env.PATH}`,
      TMPDIR: temp.dir,
      DOCKER_HOST: "unix:///nonexistent/fake.sock",
      FAKE_DOCKER_CALLS: join(temp.dir, "calls"),
      FAKE_BUILD_ERRORS: join(temp.dir, "errors"),
    });
  });
  beforeEach(() => writeFile(join(temp.dir, "calls"), ""));
  afterAll(async () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    delete process.env.FAKE_DOCKER_CALLS;
    delete process.env.FAKE_BUILD_ERRORS;
    await temp.remove();
  });

  const build = async (errors: string[]) => {
    await writeFile(join(temp.dir, "errors"), errors.map((line) => `${line}\n`).join(""));
    return buildImage({ context: temp.dir, tag: "fake:latest" });
  };
  const calls = async () => (await readFile(join(temp.dir, "calls"), "utf8")).split("\n").filter((line) => !line.startsWith("info "));

  it("removes each damaged cache record it meets and builds again, keeping every attempt's log", async () => {
    const built = await build([damaged("okgiaejvbntyrlihwe5hbws75"), damaged("vcqmnhr8tee06949z39pujqjn")]);
    expect((await calls()).filter((line) => line.startsWith("builder prune"))).toEqual([
      "builder prune --force --filter id=okgiaejvbntyrlihwe5hbws75",
      "builder prune --force --filter id=vcqmnhr8tee06949z39pujqjn",
    ]);
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
    expect((await calls()).filter((line) => line.startsWith("builder prune"))).toEqual([]);
  });
});
