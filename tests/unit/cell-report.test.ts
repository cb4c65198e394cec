import { describe, expect, it } from "vitest";
import type { StaticCheckContext } from "../../packages/harness/src/checks/check.ts";
import { stackCheckNames } from "../../packages/harness/src/checks/registry.ts";
import { recordChecks, recordEarlyEnd } from "../../packages/harness/src/matrix/cell-report.ts";
import { runStaticChecks } from "../../packages/harness/src/matrix/run-cell-checks.ts";
import type { CellReport } from "../../packages/harness/src/report/report-types.ts";

/**
 * The verdicts verifyCell records, without Docker: a built cell's from its checks, an early end's
 * (a skipped cell, a Pipfile that did not lock, an image that did not build) from its static checks.
 * The whole cell, built and checked, is in tests/e2e/matrix.test.ts.
 */

/** A report's verdict before any check: what recordChecks and recordEarlyEnd write. */
const newVerdict = (): Pick<CellReport, "checks" | "status" | "reason"> => ({ checks: [], status: "fail", reason: null });

describe("a built cell's verdict", () => {
  it("passes when no check fails (a skip is no failure)", () => {
    const report = recordChecks(newVerdict(), [
      { name: "non-root", status: "pass", detail: "uid 10001" },
      { name: "sigterm-graceful", status: "skip", detail: "no /slow route" },
    ]);
    expect(report).toMatchObject({ status: "pass", reason: null });
    expect(report.checks.map((check) => check.name)).toEqual(["non-root", "sigterm-graceful"]);
  });

  it("is a skip, never a pass, when every check was skipped (verify --check of one the app lacks the routes for)", () => {
    const report = recordChecks(newVerdict(), [{ name: "data-survives-restart", status: "skip", detail: "skipped: this check needs POST /visits" }]);
    expect(report).toMatchObject({ status: "skip", reason: "no check ran: data-survives-restart was skipped" });
  });

  it("fails naming every check that failed", () => {
    const report = recordChecks(newVerdict(), [
      { name: "non-root", status: "fail", detail: "root" },
      { name: "size-budget", status: "pass", detail: "small" },
      { name: "db-wait", status: "fail", detail: "waited forever" },
    ]);
    expect(report).toMatchObject({ status: "fail", reason: "failed: non-root, db-wait" });
  });
});

describe("a cell that ends before its image is checked", () => {
  it("reports every non-static check as not run, saying why, and runs none of them", async () => {
    const staticContext: StaticCheckContext = {
      cellId: "slim-uwsgi/py3.13-requirements",
      kind: "app",
      compose: undefined,
      log: () => {},
      templateFiles: { dir: "/nonexistent/files", dockerfile: "docker/Dockerfile", templatesDir: "/nonexistent" },
    };
    const results = await runStaticChecks(["non-root", "db-wait"], staticContext, "the image did not build");
    expect(results).toEqual([
      { name: "non-root", status: "skip", detail: "not run: the image did not build", seconds: 0 },
      { name: "db-wait", status: "skip", detail: "not run: the image did not build", seconds: 0 },
    ]);
  });

  it("keeps its status and reason unless a static check failed", () => {
    const skipped = recordEarlyEnd(newVerdict(), [{ name: "lint", status: "pass", detail: "no findings" }], "skip", "needs an image registry");
    expect(skipped).toMatchObject({ status: "skip", reason: "needs an image registry" });
    const lintFailed = recordEarlyEnd(newVerdict(), [{ name: "lint", status: "fail", detail: "1 finding" }], "skip", "needs an image registry");
    expect(lintFailed).toMatchObject({ status: "fail", reason: "needs an image registry" });
  });
});

describe("the proxy image", () => {
  it("is built for every check whose type reads the stack, onbuild-child's child stack too", () => {
    expect(stackCheckNames.has("onbuild-child")).toBe(true);
    expect(stackCheckNames.has("size-budget")).toBe(false);
  });
});
