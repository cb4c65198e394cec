import { describe, expect, it } from "vitest";
import { prepareBuildEnvironment } from "../../packages/harness/src/sources/prepare-build-environment.ts";
import { useFakeDocker } from "./fixtures/fake-docker.ts";

describe("prepareBuildEnvironment with a stand-in that does not build", () => {
  // Every image exists but the PostgreSQL stand-in, whose build fails at its own step.
  useFakeDocker(`case "$1 $2" in
  "image inspect")
    case "$*" in *standin-postgres*) echo "Error response from daemon: No such image" >&2; exit 1 ;; esac
    echo sha256:fake ;;
  "buildx build")
    echo "#5 [2/3] RUN apt-get install --yes postgresql-17" >&2
    echo "#5 0.4 E: Unable to locate package postgresql-17" >&2
    echo '#5 ERROR: process "/bin/sh -c apt-get install --yes postgresql-17" did not complete successfully: exit code: 100' >&2
    exit 1 ;;
esac`);

  it("says why that image could not be made and makes the others, instead of stopping the run", async () => {
    const lines: string[] = [];
    const environment = await prepareBuildEnvironment("hermetic", [{ images: ["postgres:17-trixie"] }, { images: ["caddy:2.10"] }], (line) => lines.push(line));
    try {
      expect(environment.imageProblem("postgres:17-trixie")).toMatch(/^postgres:17-trixie could not be made, so no cell that needs it was built: [\s\S]*Unable to locate package postgresql-17/);
      expect(lines).toContainEqual(expect.stringMatching(/^postgres:17-trixie could not be made/));
      expect(environment.imageProblem("caddy:2.10")).toBeUndefined();
      expect(environment.imageFor("caddy:2.10")).toMatch(/^dockerize-python-standin-caddy:/);
    } finally {
      await environment.close();
    }
  });
});
