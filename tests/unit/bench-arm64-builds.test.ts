import { describe, expect, it } from "vitest";
import { installStep, stepSeconds, wheelBuildSeconds } from "../../bench/src/arm64-builds.ts";

// Lines as BuildKit's plain progress prints them: `#N [stage i/n] ...` headers, `#N <elapsed> output`, `#N DONE <s>s`.
const log = [
  "#9 [builder 5/6] COPY --chmod=0755 docker/install-dependencies.sh /usr/local/bin/install-dependencies",
  "#9 DONE 0.0s",
  "#14 [builder 6/6] RUN --mount=type=cache,target=/root/.cache     install-dependencies uwsgi>=2.0.21",
  "#14 3.120 Collecting uwsgi>=2.0.21",
  "#14 9.870   Building wheel for uwsgi (pyproject.toml): started",
  "#14 12.001   Building wheel for psycopg2 (pyproject.toml): started",
  "#14 40.500   Building wheel for psycopg2 (pyproject.toml): finished with status 'done'",
  "#14 301.370   Building wheel for uwsgi (pyproject.toml): finished with status 'done'",
  "#14 DONE 310.4s",
  "#15 [runtime 3/9] RUN groupadd --system --gid 10001 app",
  "#15 DONE 0.4s",
].join("\n");

describe("the arm64 benchmark's reading of a build log", () => {
  it("takes a step's wall time from its DONE line", () => {
    expect(stepSeconds(log, installStep)).toBe(310.4);
    expect(stepSeconds(log, /groupadd/)).toBe(0.4);
    expect(stepSeconds(log, /no such step/)).toBeUndefined();
  });

  it("times each sdist pip compiled, from started to finished", () => {
    const compiled = wheelBuildSeconds(log);
    expect(Object.keys(compiled).sort()).toEqual(["psycopg2", "uwsgi"]);
    expect(compiled.uwsgi).toBeCloseTo(291.5, 3);
    expect(compiled.psycopg2).toBeCloseTo(28.499, 3);
  });
});
