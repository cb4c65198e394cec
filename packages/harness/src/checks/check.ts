import type { BuiltImage } from "../docker/build-image.ts";
import type { ImageFacts } from "../docker/inspect-image.ts";
import type { Status } from "../report/report-types.ts";
import type { RunIdentity } from "../stack/run-labels.ts";
import type { RunningStack } from "../stack/start-stack.ts";

/** Everything a check may look at or use for one cell. Built once per cell by the matrix runner. */
export interface CheckContext {
  cellId: string;
  kind: "app" | "proxy";
  image: string;
  facts: ImageFacts;
  expectedUser: { uid: number; gid: number };
  sizeBudgetBytes: number;
  /** The app with the template's files laid over it; the image was built from here. */
  stageDir: string;
  /** Builds the cell's image again from `stageDir`, with the same arguments. */
  rebuild(): Promise<BuiltImage>;
  /** The cell's stack (database, app, proxy), started on first use and shared by the checks. */
  stack(): Promise<RunningStack>;
  /** The template's compose file inside `stageDir`, and the environment it is run with. */
  compose: { file: string; env: Record<string, string> } | undefined;
  /** What the app must answer at `/` (the sample app's greeting). */
  expectedGreeting: string;
  run: RunIdentity;
  log(message: string): void;
}

export interface CheckOutcome {
  status: Status;
  detail: string;
}

export type Check = (context: CheckContext) => Promise<CheckOutcome>;

export const pass = (detail: string): CheckOutcome => ({ status: "pass", detail });
export const fail = (detail: string): CheckOutcome => ({ status: "fail", detail });
