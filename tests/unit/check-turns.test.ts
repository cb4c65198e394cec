import { describe, expect, it } from "vitest";
import { createTurns } from "../../packages/harness/src/matrix/check-turns.ts";

/** A piece of work that records when it starts and ends, and ends when told to. */
function work(name: string, log: string[]) {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return {
    run: async () => {
      log.push(`${name} starts`);
      await done;
      log.push(`${name} ends`);
      return name;
    },
    finish,
  };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("a run's turns: work side by side, checks with a time bound alone", () => {
  it("runs work together side by side", async () => {
    const turns = createTurns();
    const log: string[] = [];
    const [a, b] = [work("a", log), work("b", log)];
    const running = [turns.together(a.run), turns.together(b.run)];
    await settle();
    expect(log).toEqual(["a starts", "b starts"]);
    a.finish();
    b.finish();
    expect(await Promise.all(running)).toEqual(["a", "b"]);
  });

  it("starts alone work only once nothing else runs, and nothing beside it until it ends", async () => {
    const turns = createTurns();
    const log: string[] = [];
    const [build, timed, later] = [work("build", log), work("timed", log), work("later", log)];
    const running = [turns.together(build.run), turns.alone(timed.run)];
    await settle();
    // Work asked for after the timed check waits behind it: the timed check is never starved.
    running.push(turns.together(later.run));
    await settle();
    expect(log).toEqual(["build starts"]);
    build.finish();
    await settle();
    expect(log).toEqual(["build starts", "build ends", "timed starts"]);
    timed.finish();
    await settle();
    expect(log).toEqual(["build starts", "build ends", "timed starts", "timed ends", "later starts"]);
    later.finish();
    await Promise.all(running);
  });

  it("runs alone work one at a time, in the order asked, and frees its turn when the work throws", async () => {
    const turns = createTurns();
    const log: string[] = [];
    const [first, second] = [work("first", log), work("second", log)];
    const failing = turns.alone(async () => {
      log.push("failing starts");
      throw new Error("no");
    });
    const running = [turns.alone(first.run), turns.alone(second.run)];
    await expect(failing).rejects.toThrow("no");
    await settle();
    expect(log).toEqual(["failing starts", "first starts"]);
    first.finish();
    await settle();
    expect(log).toEqual(["failing starts", "first starts", "first ends", "second starts"]);
    second.finish();
    await Promise.all(running);
  });
});
