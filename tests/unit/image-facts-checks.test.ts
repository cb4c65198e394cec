import { describe, expect, it } from "vitest";
import { nonRoot } from "../../packages/harness/src/checks/non-root.ts";
import { sizeBudget } from "../../packages/harness/src/checks/size-budget.ts";
import { closestBase, type ImageFacts } from "../../packages/harness/src/docker/inspect-image.ts";
import { newRunIdentity } from "../../packages/harness/src/stack/run-labels.ts";

/**
 * The checks that judge an image by what `docker image inspect` says (size-budget; non-root before
 * it runs anything), on facts as the harness reads them: they fail on an image over its budget and
 * on one configured to run as root. Running the image (non-root's id -u) is in
 * tests/e2e/runtime-checks.test.ts.
 */

/**
 * slim-uwsgi/py3.13-requirements: its size and user as the last full matrix run measured them
 * (docs/matrix-report/matrix.json). Neither check reads the other facts.
 */
const slimUwsgi: ImageFacts = {
  id: "sha256:not-read",
  repoTags: [],
  repoDigests: [],
  created: "2026-12-07T00:00:00Z",
  platform: "linux/amd64",
  sizeBytes: 211_782_869,
  user: "10001:10001",
  layers: [],
  labels: { "org.dockerize-python.template": "slim-uwsgi" },
  env: [],
  healthcheck: undefined,
};

describe("size-budget", () => {
  it("passes an image within its variant's budget (245 MB for slim-uwsgi on Python 3.13)", async () => {
    const outcome = await sizeBudget({ facts: slimUwsgi, sizeBudgetBytes: 245e6 });
    expect(outcome).toEqual({ status: "pass", detail: "211.8 MB of a 245.0 MB budget" });
  });

  it("passes an image exactly at its budget", async () => {
    const outcome = await sizeBudget({ facts: slimUwsgi, sizeBudgetBytes: slimUwsgi.sizeBytes });
    expect(outcome.status, outcome.detail).toBe("pass");
  });

  it("fails an image over its budget, saying by how much", async () => {
    const outcome = await sizeBudget({ facts: slimUwsgi, sizeBudgetBytes: 200e6 });
    expect(outcome.status).toBe("fail");
    expect(outcome.detail).toMatch(/^211\.8 MB of a 200\.0 MB budget: 11\.8 MB over$/);
  });

  it("fails an image one byte over its budget", async () => {
    const outcome = await sizeBudget({ facts: slimUwsgi, sizeBudgetBytes: slimUwsgi.sizeBytes - 1 });
    expect(outcome.status).toBe("fail");
    expect(outcome.detail).toMatch(/ over$/);
  });
});

describe("non-root, on an image configured to run as root", () => {
  /** Everything non-root reads; the stack and the image must not be touched: the facts decide. */
  const contextWithUser = (user: string) => ({
    kind: "app" as const,
    cellId: "slim-uwsgi/py3.13-requirements",
    run: newRunIdentity(),
    image: "dockerize-python-cell/slim-uwsgi:py3.13-requirements",
    facts: { ...slimUwsgi, user },
    expectedUser: { uid: 10001, gid: 10001 },
    stack: () => Promise.reject(new Error("not expected: the configured user alone fails the check")),
  });

  it.each([
    ["no USER at all", "", /^the image's configured user is unset, so it runs as root; add a USER with a numeric non-zero uid$/],
    ["USER root", "root", /^the image's configured user is "root", so it runs as root; add a USER/],
    ["USER 0", "0", /^the image's configured user is "0", so it runs as root; add a USER/],
    ["USER 0:10001", "0:10001", /^the image's configured user is "0:10001", so it runs as root; add a USER/],
    ["USER root:app", "root:app", /^the image's configured user is "root:app", so it runs as root; add a USER/],
  ])("fails %s before running anything", async (_what, user, reason) => {
    const outcome = await nonRoot(contextWithUser(user));
    expect(outcome.status).toBe("fail");
    expect(outcome.detail).toMatch(reason);
  });
});

describe("closestBase", () => {
  const image = (layers: string[]): ImageFacts => ({ ...slimUwsgi, id: `sha256:${layers.join("")}`, layers });
  it("takes, of the candidates whose layers begin the image's, the one with the most", () => {
    const built = image(["a", "b", "c", "d"]);
    const debian = image(["a"]);
    const python = image(["a", "b"]);
    const other = image(["a", "x", "c"]);
    expect(closestBase(built, [debian, other, python])).toBe(python);
    expect(closestBase(built, [other])).toBeUndefined();
    expect(closestBase(built, [])).toBeUndefined();
  });
});
