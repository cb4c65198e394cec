/**
 * An error whose message already names the cause and the fix, for a person to read: the CLI prints
 * it as it is, without a stack. Anything else reaching the CLI is a bug and shows its stack.
 */
export class ExplainedError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
  }
}
