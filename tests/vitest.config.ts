import { defineConfig } from "vitest/config";

/** A build can take minutes on a cold cache; a whole e2e file (several builds) more. */
const e2eTimeoutMs = 15 * 60 * 1000;
/** An emulated arm64 build takes 8-16 min (bench/arm64/results.md); a stand-in ~13 min more the first time. */
const arm64TimeoutMs = 60 * 60 * 1000;

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
        // linux/arm64 under emulation (scripts/setup.sh registers qemu): minutes per build, so not in
        // the default suite (scripts/test.sh); `pnpm run test:arm64`, and CI's arm64 job.
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
