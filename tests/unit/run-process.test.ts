import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { killGraceMs, ProcessFailedError, runProcess, runProcessWithExitCode, startProcess } from "../../packages/harness/src/process/run-process.ts";

/** Real small processes, no mocks: node (this one) and sh. */
const node = process.execPath;

/** What a promise rejected with (fails the test when it resolved). */
async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    (value) => expect.fail(`resolved with ${JSON.stringify(value)}`),
    (error: unknown) => error,
  );
}

describe("runProcess", () => {
  it("resolves with both streams of a command that exits 0", async () => {
    expect(await runProcess("sh", ["-c", "echo out; echo err >&2"])).toEqual({ stdout: "out\n", stderr: "err\n" });
  });

  it("rejects a non-zero exit with the command, the exit code, what it printed and its last lines", async () => {
    const error = await rejection(runProcess("sh", ["-c", "echo on stderr >&2; for i in $(seq 1 30); do echo line $i; done; exit 3"]));
    expect(error).toBeInstanceOf(ProcessFailedError);
    const failed = error as ProcessFailedError;
    expect([failed.command, failed.args[0], failed.failure, failed.exitCode]).toEqual(["sh", "-c", "exit", 3]);
    expect(failed.output.stderr).toBe("on stderr\n");
    expect(failed.output.stdout.split("\n")).toHaveLength(31);
    // Two pipes: which stream's line came first is the scheduler's choice, so only the stdout lines' order is certain.
    const tail = failed.tail.split("\n").filter((line) => line !== "on stderr");
    expect(tail.at(-1)).toBe("line 30");
    expect(failed.tail.split("\n").length).toBe(20);
    expect(failed.message).toMatch(/^sh -c echo on stderr >&2; .* exited with 3:\n/s);
    expect(failed.message.endsWith(failed.tail)).toBe(true);
  });

  it("says when a command that failed printed nothing", async () => {
    const error = (await rejection(runProcess("sh", ["-c", "exit 4"]))) as ProcessFailedError;
    expect(error.message).toBe("sh -c exit 4 exited with 4, printing nothing");
  });

  it("rejects a program that is not on PATH as not-found, naming it (the env's PATH is where it looks)", async () => {
    const error = (await rejection(runProcess("sh", ["-c", "true"], { env: { PATH: join(tmpdir(), "no-programs-here") } }))) as ProcessFailedError;
    expect([error.failure, error.exitCode]).toEqual(["not-found", null]);
    expect(error.message).toBe("Could not run sh: there is no sh on PATH");
  });

  it("tells a missing working folder apart from a missing program (spawn says ENOENT for both)", async () => {
    const missing = join(tmpdir(), `no-such-folder-${process.pid}`);
    const error = (await rejection(runProcess("sh", ["-c", "true"], { cwd: missing }))) as ProcessFailedError;
    expect(error.failure).toBe("not-started");
    expect(error.message).toContain(`its working folder ${missing} does not exist`);
  });

  it("gives onLine whole lines, on either stream, however the output is cut into chunks; a last line without a newline too", async () => {
    const lines: string[] = [];
    // Pauses between writes: each write reaches this process as a chunk of its own.
    const script = `
      const pause = () => new Promise((resolve) => setTimeout(resolve, 50));
      (async () => {
        process.stdout.write("ab"); await pause();
        process.stdout.write("c\\nd"); await pause();
        process.stderr.write("on stderr\\n"); await pause();
        process.stdout.write(Buffer.from("\\u00e9").subarray(0, 1)); await pause();
        process.stdout.write(Buffer.from("\\u00e9").subarray(1)); await pause();
        process.stdout.write("\\nlast");
      })();`;
    const output = await runProcess(node, ["-e", script], { onLine: (line) => lines.push(line) });
    expect(lines).toEqual(["abc", "on stderr", "d\u00e9", "last"]);
    // A character cut between two chunks is decoded whole.
    expect(output.stdout).toBe("abc\nd\u00e9\nlast");
  });

  it("writes input to the command's standard input, and closes it", async () => {
    const output = await runProcess("sh", ["-c", "tr a-z A-Z"], { input: "from stdin\n" });
    expect(output.stdout).toBe("FROM STDIN\n");
    // Without input, standard input is empty: a reader of it ends at once.
    expect((await runProcess("sh", ["-c", "cat; echo done"])).stdout).toBe("done\n");
  });

  it("survives a command that exits without reading its input", async () => {
    const error = (await rejection(runProcess("sh", ["-c", "exit 5"], { input: Buffer.alloc(4 * 1024 * 1024) }))) as ProcessFailedError;
    expect(error.exitCode).toBe(5);
  });

  it("kills the command when the signal aborts, rejecting with Node's AbortError (not held up by a child of its own)", async () => {
    const controller = new AbortController();
    const started = performance.now();
    setTimeout(() => controller.abort(), 100);
    const error = await rejection(runProcess("sh", ["-c", "echo started; sleep 20"], { signal: controller.signal }));
    expect((error as Error).name).toBe("AbortError");
    expect(performance.now() - started).toBeLessThan(10_000);
  });

  it("stops a command that runs past timeoutMs, saying so", async () => {
    const error = (await rejection(runProcess("sh", ["-c", "echo started; sleep 20"], { timeoutMs: 200 }))) as ProcessFailedError;
    expect(error.failure).toBe("timeout");
    expect(error.message).toBe("sh -c echo started; sleep 20 did not finish within 0.2 s and was stopped:\nstarted");
  });

  it("tells a command ended by a signal from one that exited", async () => {
    const error = (await rejection(runProcess("sh", ["-c", "kill -KILL $$"]))) as ProcessFailedError;
    expect([error.failure, error.exitCode, error.signal]).toEqual(["signal", null, "SIGKILL"]);
    expect(error.message).toContain("was ended by SIGKILL");
  });

  it("with keepOutput false, keeps no output but still passes every line on and puts the last in a failure's message", async () => {
    const lines: string[] = [];
    const error = (await rejection(runProcess("sh", ["-c", "echo one; echo two; exit 1"], { keepOutput: false, onLine: (line) => lines.push(line) }))) as ProcessFailedError;
    expect(lines).toEqual(["one", "two"]);
    expect(error.output).toEqual({ stdout: "", stderr: "" });
    expect(error.message).toContain("exited with 1:\none\ntwo");
  });
});

describe("runProcessWithExitCode", () => {
  it("resolves with the exit code and the output whatever the code, and with the signal that ended it", async () => {
    expect(await runProcessWithExitCode("sh", ["-c", "echo found; exit 1"])).toEqual({ exitCode: 1, signal: null, stdout: "found\n", stderr: "" });
    expect(await runProcessWithExitCode("sh", ["-c", "true"])).toEqual({ exitCode: 0, signal: null, stdout: "", stderr: "" });
    expect(await runProcessWithExitCode("sh", ["-c", "kill -TERM $$"])).toMatchObject({ exitCode: null, signal: "SIGTERM" });
  });

  it("still rejects a command that could not start or ran too long", async () => {
    const missing = (await rejection(runProcessWithExitCode("no-such-program-here", []))) as ProcessFailedError;
    expect(missing.failure).toBe("not-found");
    const slow = (await rejection(runProcessWithExitCode("sh", ["-c", "sleep 20"], { timeoutMs: 100 }))) as ProcessFailedError;
    expect(slow.failure).toBe("timeout");
  });
});

describe("startProcess", () => {
  it("leaves standard output to the caller with streamStdout, bytes as they are", async () => {
    const running = startProcess(node, ["-e", "process.stdout.write(Buffer.from([0, 255, 10, 1])); console.error('note')"], { streamStdout: true });
    const chunks: Buffer[] = [];
    for await (const chunk of running.stdout!) chunks.push(chunk as Buffer);
    expect([...Buffer.concat(chunks)]).toEqual([0, 255, 10, 1]);
    expect(await running.finished).toEqual({ stdout: "", stderr: "note\n" });
    expect([running.running, running.exitCode]).toEqual([false, 0]);
  });

  it("stops a server that would run on: finished resolves, since its end was asked for", async () => {
    const lines: string[] = [];
    const server = startProcess(node, ["-e", "console.log('listening'); setInterval(() => {}, 1000)"], { onLine: (line) => lines.push(line) });
    while (!lines.includes("listening")) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(server.running).toBe(true);
    await server.stop();
    expect(server.running).toBe(false);
    expect((await server.finished).stdout).toBe("listening\n");
  });

  it("stops a server that ignores SIGTERM with SIGKILL, after the grace", { timeout: killGraceMs + 10_000 }, async () => {
    const lines: string[] = [];
    const server = startProcess(node, ["-e", "process.on('SIGTERM', () => console.log('ignored')); console.log('listening'); setInterval(() => {}, 1000)"], { onLine: (line) => lines.push(line) });
    while (!lines.includes("listening")) await new Promise((resolve) => setTimeout(resolve, 20));
    const started = performance.now();
    await server.stop();
    expect(server.running).toBe(false);
    expect(lines).toContain("ignored");
    expect(performance.now() - started).toBeGreaterThanOrEqual(killGraceMs - 100);
  });

  it("stops a process whose streamed output nobody reads any more", async () => {
    const running = startProcess(node, ["-e", "setInterval(() => process.stdout.write(Buffer.alloc(65536)), 1)"], { streamStdout: true });
    await new Promise((resolve) => setTimeout(resolve, 200));
    await running.stop();
    expect(running.running).toBe(false);
  });

  it("reports a server that exited on its own: not running, its exit code, and finished rejects", async () => {
    const server = startProcess("sh", ["-c", "echo bad config >&2; exit 2"]);
    const error = (await rejection(server.finished)) as ProcessFailedError;
    expect([server.running, server.exitCode, error.exitCode]).toEqual([false, 2, 2]);
    await server.stop();
  });
});
