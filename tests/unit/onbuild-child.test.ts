import { resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { onbuildChild } from "../../packages/harness/src/checks/onbuild-child.ts";
import { sampleAppProbe } from "../../packages/harness/src/matrix/run-matrix.ts";
import { newRunIdentity } from "../../packages/harness/src/stack/run-labels.ts";

/**
 * onbuild-child on a "base" with no ONBUILD triggers fails before it builds or starts anything. A
 * base whose triggers do not install the app is built, pushed and pulled in tests/e2e/onbuild.test.ts.
 */

const templatesDir = resolve(import.meta.dirname, "..", "..", "templates");

describe("onbuild-child", () => {
  it("fails on files whose Dockerfiles declare no ONBUILD trigger (slim-uwsgi's), before building anything", async () => {
    const outcome = await onbuildChild({
      cellId: "slim-uwsgi/py3.13-requirements",
      run: newRunIdentity(),
      image: "dockerize-python-cell/slim-uwsgi:py3.13-requirements",
      // Only read: the check writes its child Dockerfile after the base is found and built.
      stageDir: resolve(templatesDir, "slim-uwsgi", "files"),
      buildArgs: { PYTHON_IMAGE: "python:3.13-slim-trixie" },
      secretFiles: {},
      baseImageSource: "registry",
      dependencyStyle: "requirements",
      variantId: "py3.13",
      expectedUser: { uid: 10001, gid: 10001 },
      stack: () => Promise.reject(new Error("not expected: the stack, with no base to build")),
      probe: sampleAppProbe,
      log: () => {},
    });
    expect(outcome.status).toBe("fail");
    expect(outcome.detail).toMatch(/^no Dockerfile under docker\/ in the staged app declares ONBUILD triggers in a named stage$/);
  });
});
