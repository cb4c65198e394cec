import type { Status } from "./report-types.ts";

/** How a status is shown to a person, in the Markdown report and on the console. */
export const statusMarks: Record<Status, string> = { pass: "✅", fail: "❌", skip: "⏭" };
