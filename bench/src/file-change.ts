import { readFileSync, statSync, utimesSync, writeFileSync } from "node:fs";

/**
 * Appends `line` to `file` while `work` runs, then puts the file back exactly as it was: the same
 * bytes and modification time. Also on Ctrl-C or SIGTERM, because this changes a file the user
 * owns: the file is restored first; then the signal ends the process as it would have, unless
 * another listener (the runner's cleanup) takes care of that. When someone else edited the file in
 * the meantime, their edit is kept: only the appended line is taken out again.
 */
export async function withLineAppended<T>(file: string, line: string, work: () => Promise<T>): Promise<T> {
  const original = readFileSync(file);
  const { atime, mtime } = statSync(file);
  const appended = Buffer.from(`${original.at(-1) === 0x0a || original.length === 0 ? "" : "\n"}${line}\n`);
  const changed = Buffer.concat([original, appended]);
  let restored = false;
  const restore = () => {
    if (restored) return;
    restored = true;
    const now = readFileSync(file);
    if (now.equals(changed)) {
      writeFileSync(file, original);
      utimesSync(file, atime, mtime);
    } else if (now.subarray(-appended.length).equals(appended)) {
      writeFileSync(file, now.subarray(0, now.length - appended.length));
    } else {
      process.stderr.write(`warning: ${file} was edited while the benchmark had appended "${line}" to it; it is left as it is now: remove that line by hand\n`);
    }
  };
  const onSignal = (signal: NodeJS.Signals) => {
    restore();
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  process.once("SIGINT", onSignal);
  process.once("SIGTERM", onSignal);
  try {
    writeFileSync(file, changed);
    return await work();
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    restore();
  }
}
