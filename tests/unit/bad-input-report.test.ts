import { describe, expect, it } from "vitest";
import { BuildFailedError, type CellReport, leftoverRemovalCommands, type MatrixReport, mergeReports, newRunIdentity, renderMarkdown, summarizeReport } from "@dockerize-python/harness";

/** How a run that stopped early, and a build that failed, are shown: the report and the error text. */

const finished: CellReport = {
  id: "slim-uwsgi/py3.11-requirements",
  template: "slim-uwsgi",
  templateVersion: "0.1.0",
  python: "3.11",
  variant: "py3.11",
  dependencyStyle: "requirements",
  image: "dockerize-python-cell/slim-uwsgi:py3.11-requirements",
  baseImages: {},
  sources: { baseImages: "stand-ins", pythonPackages: "local-index" },
  sizeBytes: 200_000_000,
  sizeBudgetBytes: 260_000_000,
  layers: 12,
  addedLayers: 5,
  addedBytes: 50_000_000,
  user: "10001:10001",
  buildSeconds: 40,
  status: "pass",
  reason: null,
  checks: [{ name: "non-root", status: "pass", detail: "runs as 10001:10001" }],
};

const interrupted: MatrixReport = {
  requestedMode: "hermetic",
  sources: {
    baseImages: { kind: "stand-ins", reason: "--mode hermetic" },
    pythonPackages: { kind: "local-index", reason: "--mode hermetic" },
    goModules: { kind: "none", reason: "--mode hermetic" },
  },
  startedAt: "2026-11-29T10:00:00.000Z",
  finishedAt: "2026-11-29T10:01:00.000Z",
  complete: false,
  incomplete: { reason: "interrupted by Ctrl-C (SIGINT)", cellsNotFinished: ["slim-uwsgi/py3.13-requirements", "caddy/caddy2"] },
  engine: "26.1.5",
  localSources: null,
  cells: [finished],
};

describe("an incomplete report", () => {
  it("is marked in the title, says why, and names the cells it lacks", () => {
    const markdown = renderMarkdown(interrupted);
    expect(markdown.split("\n")[0]).toBe("# dockerize-python template matrix (INCOMPLETE)");
    expect(markdown).toContain(
      "> **Result: INCOMPLETE.** The run stopped early (interrupted by Ctrl-C (SIGINT)); only the 1 cell below finished.",
    );
    expect(markdown).toContain("> Not finished, so not in this report: `slim-uwsgi/py3.13-requirements`, `caddy/caddy2`.");
    expect(renderMarkdown({ ...interrupted, complete: true, incomplete: undefined })).not.toMatch(/INCOMPLETE|Not finished/);
  });

  it("is summarized on the console with the reason and the missing cells", () => {
    expect(summarizeReport(interrupted)).toMatch(
      /^Matrix INCOMPLETE \(interrupted by Ctrl-C \(SIGINT\); base images: stand-ins \(from Debian\); Python packages: local index \(from Debian\); Go modules: none, 1 min 00 s\): 1 finished cell, .* Not finished: slim-uwsgi\/py3\.13-requirements, caddy\/caddy2\.$/,
    );
  });

  it("stays incomplete when merged, with every run's reason and missing cells", () => {
    const other: MatrixReport = { ...interrupted, incomplete: { reason: "stopped by an error: disk full", cellsNotFinished: ["onbuild/py3.13-pipenv"] }, cells: [] };
    const merged = mergeReports([{ ...interrupted, complete: true, incomplete: undefined }, interrupted, other]);
    expect(merged.complete).toBe(false);
    expect(merged.incomplete).toEqual({
      reason: "interrupted by Ctrl-C (SIGINT); stopped by an error: disk full",
      cellsNotFinished: ["caddy/caddy2", "onbuild/py3.13-pipenv", "slim-uwsgi/py3.13-requirements"],
    });
    expect(mergeReports([{ ...interrupted, complete: true, incomplete: undefined }]).incomplete).toBeUndefined();
  });
});

describe("what a forced quit may leave", () => {
  it("is removed by label, and by project for compose", () => {
    const run = newRunIdentity();
    run.composeProjects.add(`dp-${run.id}-slim-uwsgi-compose`);
    expect(leftoverRemovalCommands(run, {})).toEqual([
      `docker compose --project-name dp-${run.id}-slim-uwsgi-compose down --volumes --remove-orphans`,
      `docker images --quiet --filter 'reference=dp-${run.id}-slim-uwsgi-compose-*' | xargs -r docker rmi --force`,
      `docker ps --all --quiet --filter label=dockerize-python.run=${run.id} | xargs -r docker rm --force --volumes`,
      `docker network ls --quiet --filter label=dockerize-python.run=${run.id} | xargs -r docker network rm`,
    ]);
  });

  it("is removed from the engine the run used", () => {
    const run = newRunIdentity();
    expect(leftoverRemovalCommands(run, { DOCKER_HOST: "unix:///tmp/it's/docker.sock" })).toEqual([
      "export DOCKER_HOST='unix:///tmp/it'\\''s/docker.sock'",
      `docker ps --all --quiet --filter label=dockerize-python.run=${run.id} | xargs -r docker rm --force --volumes`,
      `docker network ls --quiet --filter label=dockerize-python.run=${run.id} | xargs -r docker network rm`,
    ]);
  });
});

// Real BuildKit plain-progress output of a failed `pip install`, trimmed.
const failedLog = `#13 [builder 6/7] COPY requirements.txt ./
#13 DONE 0.0s
#14 [builder 7/7] RUN --mount=type=cache,target=/root/.cache     install-dependencies "uwsgi>=2.0.21"
#14 0.262 install-dependencies: requirements.txt: pip install -r requirements.txt
#14 0.600 ERROR: Could not find a version that satisfies the requirement flask-nope==9.9 (from versions: none)
#14 0.601 ERROR: No matching distribution found for flask-nope==9.9
#14 ERROR: process "/bin/sh -c install-dependencies" did not complete successfully: exit code: 1
------
 > [builder 7/7] RUN --mount=type=cache,target=/root/.cache     install-dependencies "uwsgi>=2.0.21":
0.601 ERROR: No matching distribution found for flask-nope==9.9
------
Dockerfile:56
--------------------
  55 |     # (So no --no-cache-dir: the cache is what we want.)
  56 | >>> RUN --mount=type=cache,target=/root/.cache \\
  57 | >>>     install-dependencies \${UWSGI_REQUIREMENT:+"$UWSGI_REQUIREMENT"}
--------------------
ERROR: failed to solve: process "/bin/sh -c install-dependencies" did not complete successfully: exit code: 1`;

describe("a failed build step", () => {
  it("is named with its Dockerfile line, its own log tail and the quoted lines, never a bare 'failed to build'", () => {
    const error = new BuildFailedError("dockerize-python-cell/slim-uwsgi:py3.13-requirements", failedLog, "/reports/logs/slim-uwsgi--py3.13-requirements.log");
    const [first, ...rest] = error.message.split("\n");
    expect(first).toBe(
      'Building dockerize-python-cell/slim-uwsgi:py3.13-requirements failed at step [builder 7/7] RUN --mount=type=cache,target=/root/.cache     install-dependencies "uwsgi>=2.0.21" (Dockerfile:56).',
    );
    const body = rest.join("\n");
    expect(body).toContain("ERROR: No matching distribution found for flask-nope==9.9");
    expect(body).toContain("  56 | >>> RUN --mount=type=cache,target=/root/.cache \\");
    expect(body).not.toContain("COPY requirements.txt");
    expect(body).toContain("Full build log: /reports/logs/slim-uwsgi--py3.13-requirements.log");
    expect(body).toContain("Fix: correct what the step's output above names (a missing package, file or command) in the app or in the Dockerfile at Dockerfile:56, then run again.");
  });
});
