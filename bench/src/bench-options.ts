import { parseArgs } from "node:util";
import { ExplainedError } from "@dockerize-python/harness";

/** What one benchmark run does; every option of `bash bench/run.sh`. */
export interface BenchOptions {
  /** Each figure is the median of this many runs (3 at least for results worth publishing). */
  runs: number;
  /** 1 run, a short load: for developing the benchmark, never for the published results. */
  quick: boolean;
  /** The Python (major.minor) every image is built for; a variant of the templates must have it. */
  python: string;
  mode: "auto" | "hermetic" | "online";
  /** Only these subjects (ids); all of them when empty. */
  subjects: string[];
  /** Concurrent connections of the load generator. */
  connections: number;
  /** Seconds of measured load, after `warmupSeconds` of unmeasured load. */
  loadSeconds: number;
  warmupSeconds: number;
  /** Measure the matrix (the main command) too: warm, and with one template changed. */
  matrix: boolean;
  /** Measure only the matrix; the subjects' figures are kept from the last results.json. */
  matrixOnly: boolean;
  /** Runs per scenario of the matrix (a full main command takes long): `runs` unless given. */
  matrixRuns: number;
  /** The main command whose wall time is measured, run with bash from the repository's root. */
  matrixCommand: string;
  /** The template whose Dockerfile gets a comment for the "one template changed" scenario. */
  matrixTemplate: string;
  /** Also the cold matrix: stand-ins, the package index and BuildKit's whole cache removed first. */
  matrixCold: boolean;
  /** `--cell` patterns of the cells timed in turn and side by side, before the main command. */
  cells: string[];
  /** The side-by-side run's --jobs. */
  cellsJobs: number;
  /** Extra environment of every subject's app container (an experiment: say, request logs off). */
  appEnv: Record<string, string>;
  /** Where results.json, results.md and results.svg go, relative to the repository's root. */
  outDir: string;
}

export const usage = `Usage: bash bench/run.sh [options]

Builds the sample app with the peers' Dockerfiles (bench/peers/) and with our templates, measures
each the same way, and writes bench/results.json, bench/results.md and bench/results.svg. Then
times the main command (bash scripts/main.sh) warm and with one template changed.

Options:
  --runs N               runs per figure (default 3); each figure is the median, with min and max
  --quick                1 run and a short load: for developing the benchmark, not for publishing
  --python X.Y           the Python every image is built for (default 3.13; 3.11 also works)
  --mode MODE            auto (default), hermetic (stand-ins and the local package index) or online
  --subjects A,B         only these subjects: naive, ordered, docker-init, slim-uwsgi, slim-gunicorn, onbuild,
                         slim-asgi-uvicorn, slim-asgi-granian (Granian needs PyPI: --mode online)
  --connections N        concurrent connections of the load (default 16)
  --load-seconds N       seconds of measured load per run (default 20; --quick: 3)
  --skip-matrix          do not time the main command
  --matrix-only          time only the main command; the subjects' figures are kept from the last
                         bench/results.json (which must hold them), and results.md says when each was
                         measured
  --matrix-runs N        runs per scenario of the main command (default: --runs); with 1, a scenario's
                         figure is that one run, not a median
  --matrix-command CMD   the main command to time (default: bash scripts/main.sh)
  --matrix-template T    the template changed for the "one template changed" timing (default slim-gunicorn)
  --cells PATTERN        the cells timed in turn (--jobs 1) and side by side before the main command
                         (repeatable; default slim-gunicorn/*), --matrix-runs times each, alternating
  --cells-jobs N         the side-by-side run's --jobs (default 2)
  --matrix-cold          ALSO time the main command cold: REMOVES the stand-in images, BuildKit's
                         whole build cache (every user's on this engine: docker builder prune --all)
                         and uses a fresh, empty harness cache. Off by default; run it on a quiet
                         machine that nobody else builds on.
  --app-env KEY=VALUE    also set KEY in every subject's app container (repeatable), for an
                         experiment such as request logs off; results.md lists it
  --out DIR              write the results to DIR (from the repository's root; default bench), e.g.
                         bench/experiments/<name> for an experiment beside the published results
  -h, --help             show this help`;

/** A wrong option: the message and the usage. */
export class BenchUsageError extends ExplainedError {
  constructor(problem: string) {
    super(`${problem}\n\n${usage}`);
  }
}

/** Parses the command line; undefined for --help. */
export function parseBenchOptions(args: string[]): BenchOptions | undefined {
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      options: {
        runs: { type: "string" },
        quick: { type: "boolean", default: false },
        python: { type: "string", default: "3.13" },
        mode: { type: "string", default: "auto" },
        subjects: { type: "string" },
        connections: { type: "string", default: "16" },
        "load-seconds": { type: "string" },
        "skip-matrix": { type: "boolean", default: false },
        "matrix-command": { type: "string", default: "bash scripts/main.sh" },
        "matrix-template": { type: "string", default: "slim-gunicorn" },
        "matrix-cold": { type: "boolean", default: false },
        "matrix-only": { type: "boolean", default: false },
        "matrix-runs": { type: "string" },
        cells: { type: "string", multiple: true, default: ["slim-gunicorn/*"] },
        "cells-jobs": { type: "string", default: "2" },
        "app-env": { type: "string", multiple: true, default: [] },
        out: { type: "string", default: "bench" },
        help: { type: "boolean", short: "h", default: false },
      },
    }));
  } catch (error) {
    if (error instanceof TypeError && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS_")) throw new BenchUsageError(error.message);
    throw error;
  }
  if (values.help) return undefined;
  if (values.quick && values.runs !== undefined) throw new BenchUsageError("--quick means 1 run; give --runs or --quick, not both.");
  const mode = values.mode;
  if (mode !== "auto" && mode !== "hermetic" && mode !== "online") throw new BenchUsageError(`--mode must be auto, hermetic or online, not "${mode}".`);
  if (!/^\d+\.\d+$/.test(values.python)) throw new BenchUsageError(`--python takes a version such as 3.13, not "${values.python}".`);
  if (values["skip-matrix"] && values["matrix-cold"]) throw new BenchUsageError("--matrix-cold times the matrix; it cannot go with --skip-matrix.");
  if (values["skip-matrix"] && values["matrix-only"]) throw new BenchUsageError("--matrix-only times nothing but the matrix; it cannot go with --skip-matrix.");
  if (values["matrix-only"] && values.subjects !== undefined) throw new BenchUsageError("--matrix-only measures no subject; leave out --subjects.");
  const quick = values.quick;
  const runs = quick ? 1 : wholeNumber(values.runs ?? "3", "--runs", 1);
  return {
    runs,
    quick,
    python: values.python,
    mode,
    subjects: values.subjects ? values.subjects.split(",").map((s) => s.trim()).filter(Boolean) : [],
    connections: wholeNumber(values.connections, "--connections", 1),
    loadSeconds: wholeNumber(values["load-seconds"] ?? (quick ? "3" : "20"), "--load-seconds", 1),
    warmupSeconds: quick ? 1 : 5,
    matrix: !values["skip-matrix"],
    matrixOnly: values["matrix-only"],
    matrixRuns: values["matrix-runs"] === undefined ? runs : wholeNumber(values["matrix-runs"], "--matrix-runs", 1),
    matrixCommand: values["matrix-command"],
    matrixTemplate: values["matrix-template"],
    matrixCold: values["matrix-cold"],
    cells: values.cells,
    cellsJobs: wholeNumber(values["cells-jobs"], "--cells-jobs", 2),
    appEnv: Object.fromEntries(values["app-env"].map(environmentEntry)),
    outDir: values.out,
  };
}

function environmentEntry(text: string): [string, string] {
  const match = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(text);
  if (!match) throw new BenchUsageError(`--app-env takes KEY=VALUE (an environment variable's name, =, its value; the value may be empty), not "${text}".`);
  return [match[1]!, match[2]!];
}

function wholeNumber(text: string, option: string, least: number): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < least) throw new BenchUsageError(`${option} takes a whole number of at least ${least}, not "${text}".`);
  return value;
}
