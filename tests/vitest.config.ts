import { defineConfig } from "vitest/config";

/** A build can take minutes on a cold cache; a whole e2e file (several builds) more. */
const e2eTimeoutMs = 15 * 60 * 1000;
/** An emulated build alone takes 8 to 16 minutes (bench/arm64/results.md), its app 2 more to serve. */
const arm64TimeoutMs = 45 * 60 * 1000;

export default defineConfig({
  test: {
    projects: [
      {
        // Some unit tests start the built CLI or ShellCheck (a second or two each): on a busy 2-core
        // machine (load 7-8) those passed 5 s, vitest's default, and failed as timeouts.
        test: { name: "unit", include: ["unit/**/*.test.ts"], testTimeout: 30_000 },
      },
      {
        test: {
          name: "e2e",
          include: ["e2e/**/*.test.ts"],
          testTimeout: e2eTimeoutMs,
          hookTimeout: e2eTimeoutMs,
          // One Docker engine: e2e files share it (images, ports, disk), so they run one at a time.
          fileParallelism: false,
        },
      },
      {
        // linux/arm64 under emulation (the matrix's arm64 cells, multi-platform images): not in
        // scripts/test.sh's suites, whose whole run CI keeps under 35 minutes. `pnpm run test:arm64`.
        test: {
          name: "arm64",
          include: ["arm64/**/*.test.ts"],
          testTimeout: arm64TimeoutMs,
          hookTimeout: arm64TimeoutMs,
          // One engine, and emulated builds that hold its build lock for minutes: one file at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});
