import { ContainerProblem } from "../stack/check-container.ts";
import { type Check, fail } from "./check.ts";

/**
 * A check whose containers' problems (one did not start, exited, or did not serve) are what it
 * measured: they make it fail with their message and logs. Any other error still reaches the runner.
 */
export function failOnContainerProblem<Needs>(check: Check<Needs>): Check<Needs> {
  return async (context) => {
    try {
      return await check(context);
    } catch (error) {
      if (error instanceof ContainerProblem) return fail(error.message);
      throw error;
    }
  };
}
