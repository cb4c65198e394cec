import { describe, expect, it } from "vitest";
import { buildAgainMarker, findFailedStep } from "../../packages/harness/src/docker/build-image.ts";
import { damagedCacheRecord } from "../../packages/harness/src/docker/damaged-build-cache.ts";
import { judgeRebuild, parseSteps } from "../../packages/harness/src/checks/deps-layer-cached.ts";

// Real BuildKit plain-progress output, trimmed.
const failedBuild = `#1 [internal] load build definition from Dockerfile
#1 DONE 0.0s
#5 [builder 2/4] RUN apt-get update
#5 CACHED
#7 [builder 3/4] RUN pip install -r requirements.txt
#7 0.512 Looking in indexes: http://172.17.0.1:4100/trixie/simple/
#7 1.203 ERROR: Could not find a version that satisfies the requirement flask-nope
#7 1.204 ERROR: No matching distribution found for flask-nope
#7 ERROR: process "/bin/sh -c pip install -r requirements.txt" did not complete successfully: exit code: 1
------
 > [builder 3/4] RUN pip install -r requirements.txt:
1.204 ERROR: No matching distribution found for flask-nope
------
Dockerfile:12
--------------------
  12 | >>> RUN pip install -r requirements.txt
--------------------
ERROR: failed to solve: process "/bin/sh -c pip install -r requirements.txt" did not complete successfully: exit code: 1`;

describe("findFailedStep", () => {
  it("names the failing step and shows its own output, not the whole log", () => {
    const failure = findFailedStep(failedBuild);
    expect(failure.step).toBe("[builder 3/4] RUN pip install -r requirements.txt");
    expect(failure.tail).toContain("No matching distribution found for flask-nope");
    expect(failure.tail).not.toContain("load build definition");
    expect(failure.tail).toContain(">>> RUN pip install -r requirements.txt");
  });

  it("falls back to the end of the log when no step failed by number", () => {
    const failure = findFailedStep("ERROR: failed to read dockerfile: open Dockerfile: no such file or directory");
    expect(failure.step).toBeUndefined();
    expect(failure.tail).toContain("no such file or directory");
  });
});

describe("parseSteps", () => {
  it("tells cached steps from re-run ones, named stages and unnamed", () => {
    const steps = parseSteps(`#4 [builder 2/5] RUN apt-get update
#4 CACHED
#6 [runtime 4/6] COPY . /app
#6 DONE 0.1s
#8 [2/3] RUN pip install flask
#8 0.3 Collecting flask`);
    expect(steps).toEqual([
      { stage: "builder", instruction: "RUN apt-get update", cached: true },
      { stage: "runtime", instruction: "COPY . /app", cached: false },
      { stage: "", instruction: "RUN pip install flask", cached: false },
    ]);
  });

  it("reads the steps of a base image's ONBUILD triggers, which have no [stage i/n] prefix", () => {
    const steps = parseSteps(`#13 [onbuild 5/6] COPY --from=builder /opt/venv /opt/venv
#13 CACHED
#14 COPY requirements.txt /app/requirements.txt
#14 CACHED
#15 RUN set -eux; pip install -r requirements.txt
#15 CACHED
#16 COPY . /app
#16 DONE 0.0s
#17 exporting to image`);
    expect(steps).toEqual([
      { stage: "onbuild", instruction: "COPY --from=builder /opt/venv /opt/venv", cached: true },
      { stage: "ONBUILD trigger", instruction: "COPY requirements.txt /app/requirements.txt", cached: true },
      { stage: "ONBUILD trigger", instruction: "RUN set -eux; pip install -r requirements.txt", cached: true },
      { stage: "ONBUILD trigger", instruction: "COPY . /app", cached: false },
    ]);
  });

  it("reads a build that ran again after the engine failed to start a step as one build: a step ran when either attempt ran it", () => {
    // The first attempt copied the code and linked the folders, then runc could not start
    // collect-static; the second took those two from the cache and ran collect-static.
    const log = `#5 [app 6/9] RUN pip install -r requirements.txt
#5 CACHED
#6 [app 7/9] COPY . /app
#6 DONE 0.1s
#7 [app 8/9] RUN link-writable-dirs
#7 DONE 0.4s
#8 [app 9/9] RUN collect-static
#8 ERROR: runc run failed: unable to start container process: waiting for init preliminary setup: read init-p: connection reset by peer
${buildAgainMarker} (runc: read init-p: connection reset by peer), not the step's own failure; building again, once
#5 [app 6/9] RUN pip install -r requirements.txt
#5 CACHED
#6 [app 7/9] COPY . /app
#6 CACHED
#7 [app 8/9] RUN link-writable-dirs
#7 CACHED
#8 [app 9/9] RUN collect-static
#8 DONE 1.2s`;
    const steps = parseSteps(log);
    expect(steps).toEqual([
      { stage: "app", instruction: "RUN pip install -r requirements.txt", cached: true },
      { stage: "app", instruction: "COPY . /app", cached: false },
      { stage: "app", instruction: "RUN link-writable-dirs", cached: false },
      { stage: "app", instruction: "RUN collect-static", cached: false },
    ]);
    // What deps-layer-cached made of the second attempt alone (seen on a loaded machine): no COPY re-run.
    expect(judgeRebuild(steps, { changedFile: "manage.py", seconds: 3, stepsAfterCode: ["link-writable-dirs", "collect-static"] }).status).toBe("pass");
    expect(judgeRebuild(parseSteps(log.split(buildAgainMarker)[1]!), { changedFile: "manage.py", seconds: 3, stepsAfterCode: ["link-writable-dirs", "collect-static"] }).status).toBe("fail");
  });
});

describe("judgeRebuild (deps-layer-cached's verdict)", () => {
  const step = (stage: string, instruction: string, cached: boolean) => ({ stage, instruction, cached });
  const facts = { changedFile: "app.py", seconds: 2, stepsAfterCode: ["link-writable-dirs"] };
  const onbuildChild = [
    step("ONBUILD trigger", "COPY requirements.txt /app/", true),
    step("ONBUILD trigger", "RUN install-dependencies", true),
    step("ONBUILD trigger", "COPY . /app", false),
    step("app", "RUN link-writable-dirs instance", false),
  ];

  it("passes when only the code's COPY re-ran, and a step the template declares after the code, naming it", () => {
    const outcome = judgeRebuild(onbuildChild, facts);
    expect(outcome.status).toBe("pass");
    expect(outcome.detail).toContain("re-run after the code, as the template declares: [app] RUN link-writable-dirs instance");
  });

  it("fails the same step when the template does not declare it", () => {
    expect(judgeRebuild(onbuildChild, { ...facts, stepsAfterCode: [] })).toEqual({ status: "fail", detail: "a code-only change to app.py re-ran: [app] RUN link-writable-dirs instance" });
  });

  it("fails a declared command that re-ran before the code's COPY: something it depends on changed", () => {
    const outcome = judgeRebuild([step("", "RUN link-writable-dirs", false), step("", "COPY . /app", false)], facts);
    expect(outcome.status).toBe("fail");
  });

  it("fails a dependency install after the code's COPY, the seed article's single-stage mistake", () => {
    const outcome = judgeRebuild([step("", "COPY . /app", false), step("", "RUN pip install -r requirements.txt", false)], facts);
    expect(outcome).toEqual({ status: "fail", detail: "a code-only change to app.py re-ran: [] RUN pip install -r requirements.txt" });
  });

  it("fails a dependency install that re-runs because the code is copied before it, though a COPY follows it", () => {
    const outcome = judgeRebuild(
      [
        step("builder", "COPY . /build", false),
        step("builder", "RUN pip install -r requirements.txt", false),
        step("runtime", "COPY --from=builder /opt/venv /opt/venv", false),
        step("runtime", "COPY . /app", false),
      ],
      facts,
    );
    expect(outcome).toEqual({ status: "fail", detail: "a code-only change to app.py re-ran: [builder] RUN pip install -r requirements.txt" });
  });

  it("fails a rebuild that re-ran no COPY: the change never reached the image", () => {
    expect(judgeRebuild([step("", "RUN true", false)], facts)).toEqual({
      status: "fail",
      detail: "the rebuild after changing app.py re-ran no COPY step: the change did not reach the image (it re-ran [] RUN true)",
    });
  });
});

describe("damagedCacheRecord", () => {
  it("recognises a cache record that has lost its files, as the main job met it", () => {
    const log = [
      "#21 [runtime 11/14] COPY . /app",
      "#21 CACHED",
      "",
      "#22 [runtime 12/14] RUN compile-bytecode",
      "#22 ERROR: failed to prepare okgiaejvbntyrlihwe5hbws75 as aezxadmm5wd1kvukm5sm1l0aa: open /var/lib/docker/overlay2/x95lkjktstarbdxuqf5f64d1m/.tmp-committed1017442305: no such file or directory",
      "ERROR: failed to solve: failed to prepare okgiaejvbntyrlihwe5hbws75 as aezxadmm5wd1kvukm5sm1l0aa: open /var/lib/docker/overlay2/x95lkjktstarbdxuqf5f64d1m/.tmp-committed1017442305: no such file or directory",
    ].join("\n");
    expect(damagedCacheRecord(log)).toBe("okgiaejvbntyrlihwe5hbws75");
  });

  it("leaves a step's own missing file to fail the build", () => {
    expect(damagedCacheRecord('#9 [4/6] COPY requirements.txt .\n#9 ERROR: failed to calculate checksum of ref abc::def: "/requirements.txt": not found')).toBeUndefined();
    expect(damagedCacheRecord("#7 0.3 /bin/sh: 1: compile-bytecode: no such file or directory\n#7 ERROR: process \"/bin/sh -c compile-bytecode\" did not complete successfully: exit code: 127")).toBeUndefined();
  });
});
