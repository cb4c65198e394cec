import { describe, expect, it } from "vitest";
import { hermeticSkipReason } from "../../packages/harness/src/manifest/hermetic-skip.ts";

describe("hermeticSkipReason", () => {
  it("is the variant's hermeticSkip, whatever the machine offers", () => {
    expect(hermeticSkipReason({ hermeticSkip: "Alpine packages cannot be installed here", needs: [] }, new Set(["go-modules"]))).toBe("Alpine packages cannot be installed here");
  });

  it("names an unmet need, and is undefined once it is met", () => {
    const variant = { needs: ["go-modules" as const] };
    expect(hermeticSkipReason(variant)).toMatch(/^needs the Go module proxy .*, which this run does not use$/);
    expect(hermeticSkipReason(variant, new Set(["go-modules"]))).toBeUndefined();
    expect(hermeticSkipReason({ needs: [] })).toBeUndefined();
  });
});
