import { describe, expect, it } from "vitest";
import { DockerCommandError } from "@dockerize-python/harness";
import { parseBenchOptions } from "../../bench/src/bench-options.ts";
import { engineWentAway } from "../../bench/src/engine-recovery.ts";
import { parseMemoryUsage } from "../../bench/src/container-memory.ts";
import { metrics, type MetricId } from "../../bench/src/metrics.ts";
import { renderRatioChart } from "../../bench/src/render-ratio-chart.ts";
import { keptNotes, notesMarkers, renderResultsMarkdown } from "../../bench/src/render-results-markdown.ts";
import { type BenchResults, computeRatios, evaluateTargets, type SubjectResult } from "../../bench/src/results.ts";
import { summarize } from "../../bench/src/stats.ts";
import type { SubjectId } from "../../bench/src/subjects.ts";

describe("summarize", () => {
  it("gives the median, min and max, the middle two averaged for an even count", () => {
    expect(summarize([3, 1, 2])).toEqual({ median: 2, min: 1, max: 3, runs: [3, 1, 2] });
    expect(summarize([4, 1, 3, 2])?.median).toBe(2.5);
    expect(summarize([])).toBeNull();
  });
});

describe("parseMemoryUsage", () => {
  it("reads docker stats' MEM USAGE in binary and decimal units", () => {
    expect(parseMemoryUsage("45.5MiB / 23.4GiB")).toBe(Math.round(45.5 * 2 ** 20));
    expect(parseMemoryUsage("1.5GiB / 2GiB")).toBe(Math.round(1.5 * 2 ** 30));
    expect(parseMemoryUsage("812kB / 1GB")).toBe(812_000);
    expect(parseMemoryUsage("0B / 0B")).toBe(0);
  });

  it("refuses what it cannot read instead of reporting 0", () => {
    expect(() => parseMemoryUsage("-- / --")).toThrow(/docker stats printed/);
  });
});

describe("parseBenchOptions", () => {
  it("defaults to 3 runs of Python 3.13 with the matrix timed", () => {
    const options = parseBenchOptions([])!;
    expect(options).toMatchObject({ runs: 3, quick: false, python: "3.13", matrix: true, matrixCold: false, matrixCommand: "bash scripts/main.sh" });
  });

  it("runs the matrix as often as the subjects unless --matrix-runs says otherwise", () => {
    expect(parseBenchOptions(["--runs", "5"])).toMatchObject({ runs: 5, matrixRuns: 5, matrixOnly: false });
    expect(parseBenchOptions(["--matrix-only", "--matrix-runs", "1"])).toMatchObject({ runs: 3, matrixRuns: 1, matrixOnly: true, matrix: true });
  });

  it("takes extra app environment for an experiment, and where to write its results", () => {
    expect(parseBenchOptions([])).toMatchObject({ appEnv: {}, outDir: "bench" });
    const options = parseBenchOptions(["--app-env", "GUNICORN_ACCESSLOG=", "--app-env", "UWSGI_DISABLE_LOGGING=1", "--out", "bench/experiments/x"])!;
    expect(options.appEnv).toEqual({ GUNICORN_ACCESSLOG: "", UWSGI_DISABLE_LOGGING: "1" });
    expect(options.outDir).toBe("bench/experiments/x");
    expect(() => parseBenchOptions(["--app-env", "NO_EQUALS"])).toThrow(/KEY=VALUE/);
    expect(() => parseBenchOptions(["--app-env", "1X=y"])).toThrow(/KEY=VALUE/);
  });

  it("--quick is 1 run and a short load", () => {
    expect(parseBenchOptions(["--quick"])).toMatchObject({ runs: 1, loadSeconds: 3 });
  });

  it("refuses contradictions and nonsense with the usage", () => {
    expect(() => parseBenchOptions(["--quick", "--runs", "3"])).toThrow(/not both/);
    expect(() => parseBenchOptions(["--skip-matrix", "--matrix-cold"])).toThrow(/--matrix-cold/);
    expect(() => parseBenchOptions(["--skip-matrix", "--matrix-only"])).toThrow(/--matrix-only/);
    expect(() => parseBenchOptions(["--matrix-only", "--subjects", "naive"])).toThrow(/leave out --subjects/);
    expect(() => parseBenchOptions(["--matrix-runs", "0"])).toThrow(/--matrix-runs/);
    expect(() => parseBenchOptions(["--runs", "two"])).toThrow(/whole number/);
    expect(() => parseBenchOptions(["--python", "3"])).toThrow(/3\.13/);
    expect(() => parseBenchOptions(["--frobnicate"])).toThrow(/Usage: bash bench\/run.sh/);
  });
});

/** A subject whose every run measured `values` (a metric left out was not measured). */
function subject(id: SubjectId, kind: "peer" | "ours", values: Partial<Record<MetricId, number>>, app: SubjectResult["app"] = "flask"): SubjectResult {
  const figures = Object.fromEntries(
    metrics.map((metric) => [metric.id, values[metric.id] === undefined ? null : summarize([values[metric.id]!])]),
  ) as SubjectResult["figures"];
  return { id, kind, app, dockerfile: `bench/peers/${id}/Dockerfile`, description: id, server: "Gunicorn", figures, samples: [] };
}

const peers = [
  subject("naive", "peer", { codeRebuildSeconds: 40, imageBytes: 400e6, requestsPerSecond: 900 }),
  subject("ordered", "peer", { codeRebuildSeconds: 3, imageBytes: 400e6, requestsPerSecond: 950 }),
  subject("docker-init", "peer", { codeRebuildSeconds: 2, imageBytes: 380e6, requestsPerSecond: 1000 }),
];

describe("evaluateTargets", () => {
  it("reports every target met, with its margin, when ours is within each limit", () => {
    const ours = subject("slim-gunicorn", "ours", { codeRebuildSeconds: 2, imageBytes: 200e6, startupSeconds: 1.5, requestsPerSecond: 1100 });
    const targets = evaluateTargets([...peers, ours]);
    expect(targets.map((t) => t.status)).toEqual(["met", "met", "met", "met", "met"]);
    expect(targets[0]!.margin).toMatch(/within by 0\.15×/);
    expect(targets[2]!.measured).toContain("0.50×");
    expect(targets[4]!.measured).toContain("docker-init");
  });

  it("reports a miss with by how much, never as met", () => {
    const ours = subject("slim-uwsgi", "ours", { codeRebuildSeconds: 10, imageBytes: 300e6, startupSeconds: 2.6, requestsPerSecond: 800 });
    const [naive, dockerInit, size, startup, throughput] = evaluateTargets([...peers, ours]);
    expect(naive).toMatchObject({ status: "missed" });
    expect(naive!.margin).toMatch(/missed by 0\.05× \(2\.00 s over the limit of 0\.20×\)/);
    expect(dockerInit).toMatchObject({ status: "missed" });
    expect(size).toMatchObject({ status: "missed" });
    expect(startup).toMatchObject({ status: "missed", margin: "0.60 s over 2 s" });
    expect(throughput).toMatchObject({ status: "missed" });
    expect(throughput!.margin).toMatch(/200 req\/s below/);
  });

  it("compares an ASGI subject (the FastAPI app) with no Flask peer: that would compare frameworks, not Dockerfiles", () => {
    const asgi = subject("slim-asgi-uvicorn", "ours", { codeRebuildSeconds: 1, imageBytes: 200e6, startupSeconds: 1.5, requestsPerSecond: 2000 }, "fastapi");
    const targets = evaluateTargets([...peers, asgi]);
    expect(targets.filter((t) => t.status !== "not measured").map((t) => t.target)).toEqual(["first 200 through Caddy within 2 s of docker run"]);
    expect(targets.find((t) => t.status === "not measured")?.margin).toMatch(/no peer of the same app/);
    expect(computeRatios([...peers, asgi])).toEqual([]);
    // A result written before subjects had an app built the Flask app: it still compares.
    const { app: _app, ...older } = subject("slim-gunicorn", "ours", { codeRebuildSeconds: 2 });
    expect(computeRatios([...peers, older]).length).toBeGreaterThan(0);
  });

  it("lists the subjects a run could not build, with the reason", () => {
    const asgi = subject("slim-asgi-uvicorn", "ours", { requestsPerSecond: 2000 }, "fastapi");
    const markdown = renderResultsMarkdown({ ...results([asgi]), skipped: [{ subject: "slim-asgi-granian", reason: "needs PyPI's own files" }] }, undefined);
    expect(markdown).toContain("| slim-asgi-uvicorn | ours | fastapi |");
    expect(markdown).toContain("- **slim-asgi-granian**: needs PyPI's own files");
  });

  it("says not measured when the peer a target compares with was not run", () => {
    const ours = subject("onbuild", "ours", { codeRebuildSeconds: 1 });
    expect(evaluateTargets([ours])[0]).toMatchObject({ status: "not measured" });
  });
});

function results(subjects: SubjectResult[]): BenchResults {
  return {
    schema: 1,
    command: "bash bench/run.sh",
    quick: false,
    startedAt: "2026-11-29T10:00:00.000Z",
    finishedAt: "2026-11-29T11:00:00.000Z",
    runs: 3,
    machine: { cpuModel: "CPU <x>", cores: 2, ramBytes: 2 ** 33, kernel: "6.1", docker: "26.1", node: "v24", loadAverage: { start: 0.1, end: 0.2 } },
    method: { Load: "autocannon" },
    subjects,
    ratios: computeRatios(subjects),
    targets: evaluateTargets(subjects),
    matrix: null,
  };
}

describe("the results files", () => {
  const ours = subject("slim-gunicorn", "ours", { codeRebuildSeconds: 2, imageBytes: 200e6, startupSeconds: 1.5, requestsPerSecond: 1100 });

  it("computes ours/peer for every pair and figure both have", () => {
    const ratios = computeRatios([...peers, ours]);
    expect(ratios.find((r) => r.peer === "naive" && r.metric === "codeRebuildSeconds")?.ratio).toBe(0.05);
    expect(ratios.some((r) => r.metric === "latencyP99Ms")).toBe(false);
  });

  it("draws a bar and a label per ratio in an SVG with escaped text", () => {
    const svg = renderRatioChart(results([...peers, ours]));
    expect(svg.startsWith("<svg ")).toBe(true);
    expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
    expect(svg).toContain("slim-gunicorn / naive");
    expect(svg).toContain(">0.050×<");
    expect((svg.match(/fill="#2e7d32"\/>/g) ?? []).length).toBeGreaterThan(0);
    expect(svg).not.toMatch(/<text[^>]*>[^<]*[<&][^<]*<\/text>/);
  });

  it("keeps the hand-written notes of the previous results.md", () => {
    const first = renderResultsMarkdown(results([...peers, ours]), undefined);
    expect(keptNotes(first)).toBeUndefined();
    const edited = first.replace(/(<!-- notes[^>]*-->\n)[^]*?(\n<!-- \/notes -->)/, "$1The uWSGI miss is the request log.$2");
    expect(keptNotes(edited)).toBe("The uWSGI miss is the request log.");
    expect(renderResultsMarkdown(results([...peers, ours]), keptNotes(edited))).toContain(`${notesMarkers.start}\nThe uWSGI miss is the request log.\n${notesMarkers.end}`);
  });

  it("states the machine and each target's status in results.md", () => {
    const markdown = renderResultsMarkdown(results([...peers, ours]), undefined);
    expect(markdown).toContain("| CPU <x> | 2 | 8.0 GiB | 6.1 | 26.1 |");
    expect(markdown).toContain("✅ met");
    expect(markdown).toContain("Not measured in this run (--skip-matrix).");
  });

  it("links the Dockerfiles from wherever results.md is written", () => {
    expect(renderResultsMarkdown(results([...peers, ours]), undefined)).toContain("](../bench/peers/naive/Dockerfile)");
    expect(renderResultsMarkdown(results([...peers, ours]), undefined, "../../..")).toContain("](../../../bench/peers/naive/Dockerfile)");
  });

  it("says when and by which command the matrix was timed, and that one run is not a median", () => {
    const base = results([...peers, ours]);
    const matrix = {
      command: "bash scripts/main.sh",
      benchCommand: "bash bench/run.sh --matrix-only --matrix-runs 1",
      startedAt: "2026-11-30T09:00:00.000Z",
      finishedAt: "2026-11-30T10:00:00.000Z",
      runs: 1,
      machine: base.machine,
      changedFile: "templates/t/files/docker/Dockerfile",
      scenarios: [{ id: "warm" as const, description: "nothing changed", seconds: summarize([2]), exitCodes: [0] }],
    };
    const markdown = renderResultsMarkdown({ ...base, matrix }, undefined);
    expect(markdown).toContain("1 run per scenario (one run: a figure, not a median)");
    expect(markdown).toContain("Timed separately, by `bash bench/run.sh --matrix-only --matrix-runs 1`, 2026-11-30T09:00:00.000Z");
    expect(markdown).toContain("Cold (no stand-ins, no cache) was not measured");
    const together = renderResultsMarkdown({ ...base, matrix: { ...matrix, benchCommand: base.command, runs: 3 } }, undefined);
    expect(together).toContain("3 runs per scenario, median with min–max. Timed 2026-11-30T09:00:00.000Z");
  });
});

describe("engineWentAway", () => {
  it("recognises the engine's crash in a docker command's output and in a failed build's message", async () => {
    const crashed = new DockerCommandError(["stats"], 1, { stdout: "", stderr: "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n" });
    expect(await engineWentAway(crashed)).toBe(true);
    expect(await engineWentAway(new Error("Building x failed at an unnamed step.\nERROR: failed to solve: Unavailable: error reading from server: EOF"))).toBe(true);
  });
});
