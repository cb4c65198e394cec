/** A subcommand of `dockerize-python`. */
export interface Command {
  name: string;
  /** One line for the list of commands in `--help`. */
  summary: string;
  usage: string;
  /** Runs with the arguments after the command's name; resolves with the exit code. */
  run(args: string[]): Promise<number>;
}
