import { tmpdir } from "node:os";
import { join } from "node:path";

/**
 * Ctrl-C during a long run, as a command handles it: the first asks the run to stop after its
 * current step (it then removes what it started and writes its report); a second quits at once,
 * saying what may be left and the commands that remove it.
 */
export interface CtrlCInterrupt {
  /** Aborted, with the reason "interrupted by Ctrl-C (SIGINT)", at the first Ctrl-C. */
  signal: AbortSignal;
  /** Stops listening for Ctrl-C (when the run is over). */
  dispose(): void;
}

/** The exit status of a command stopped by SIGINT, as shells report it (128 + 2). */
export const interruptedExitCode = 130;

/**
 * `leftovers` gives, when a second Ctrl-C comes, the shell commands that remove what the run may
 * have left (see the harness's leftoverRemovalCommands).
 */
export function interruptOnCtrlC(leftovers: () => readonly string[]): CtrlCInterrupt {
  const controller = new AbortController();
  const onInterrupt = () => {
    if (controller.signal.aborted) {
      process.stderr.write(
        "\nQuitting at once: the run's cleanup did not finish and its report was not written.\n" +
          `What it started may still be running. Remove it with:\n  ${leftovers().join("\n  ")}\n` +
          `A temporary copy of the app may be left in ${join(tmpdir(), "dockerize-python-*")}: your app folder itself was not changed.\n`,
      );
      process.exit(interruptedExitCode);
    }
    process.stderr.write(
      "\nInterrupted: stopping after the current step, then removing what the run started and writing the report " +
        "(Ctrl-C again to quit at once, leaving that to you).\n",
    );
    controller.abort("interrupted by Ctrl-C (SIGINT)");
  };
  process.on("SIGINT", onInterrupt);
  return { signal: controller.signal, dispose: () => process.off("SIGINT", onInterrupt) };
}
