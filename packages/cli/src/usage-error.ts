/** The command line is wrong: shown with the usage text, and the process exits 2. */
export class UsageError extends Error {
  /** The usage text of the command the arguments were meant for. */
  readonly usage: string;

  constructor(message: string, usage: string) {
    super(message);
    this.name = "UsageError";
    this.usage = usage;
  }
}
