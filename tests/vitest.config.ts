import { defineConfig } from "vitest/config";

/** A build can take minutes on a cold cache; a whole e2e file (several builds) more. */
const e2eTimeoutMs = 15 * 60 * 1000;

export default defineConfig({
  test: {
    projects: [
      {
        test: { name: "unit", include: ["unit/**/*.test.ts"] },
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
    ],
  },
});
