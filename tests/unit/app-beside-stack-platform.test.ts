import { describe, expect, it } from "vitest";
import { startAppBesideStack } from "../../packages/harness/src/stack/start-app-beside-stack.ts";
import type { RunningStack } from "../../packages/harness/src/stack/start-stack.ts";
import { useFakeDocker } from "./fixtures/fake-docker.ts";

describe("an app container a check starts beside an emulated cell's stack", () => {
  // docker run succeeds; docker port answers the published port.
  const docker = useFakeDocker(`if [ "$1" = port ]; then echo 127.0.0.1:32768; fi; exit 0`);
  const run = { id: "5e1f00d5", labels: { "dockerize-python.run": "5e1f00d5" }, composeProjects: new Set<string>() };

  it("runs on the stack's app's platform, as the stack's own app does", async () => {
    const stack = { network: "net", request: { run, appPort: 8000, appPlatform: "linux/arm64", appEnv: {} } } as unknown as RunningStack;
    await startAppBesideStack(stack, { name: "dp-5e1f00d5-sigterm", image: "dockerize-python-cell/slim:py3.13-requirements-arm64-run-5e1f00d5" });
    const [started] = (await docker.calls()).filter((call) => call.startsWith("run "));
    expect(started).toMatch(/ --platform linux\/arm64 .*dockerize-python-cell\/slim:py3\.13-requirements-arm64-run-5e1f00d5/);
  });

  it("names no platform for the engine's own cells", async () => {
    const stack = { network: "net", request: { run, appPort: 8000, appEnv: {} } } as unknown as RunningStack;
    await startAppBesideStack(stack, { name: "dp-5e1f00d5-sigterm", image: "dockerize-python-cell/slim:py3.13-requirements-run-5e1f00d5" });
    expect((await docker.calls()).filter((call) => call.startsWith("run "))[0]).not.toContain("--platform");
  });
});
