import { createInterface } from "node:readline/promises";
import { type Ask, ExplainedError } from "@dockerize-python/harness";

/**
 * Asks on the terminal, when there is one to answer (standard input and error both a TTY); undefined
 * otherwise, so that the harness falls back to its clear default or says which flag to pass.
 * Enter takes the first choice; a number picks one; a question that allows it takes a typed value.
 */
export function askOnTerminal(input: NodeJS.ReadStream = process.stdin, output: NodeJS.WriteStream = process.stderr): Ask | undefined {
  if (!input.isTTY || !output.isTTY) return undefined;
  return async (question) => {
    const lines = createInterface({ input, output });
    try {
      output.write(`${question.message}\n${question.choices.map((choice, index) => `  ${index + 1}) ${choice}${index === 0 ? " (default)" : ""}`).join("\n")}\n`);
      for (;;) {
        const answer = (await lines.question(question.allowOther ? "Number, or type another [1]: " : "Number [1]: ")).trim();
        const picked = answer === "" ? question.choices[0] : question.choices[Number(answer) - 1] ?? question.choices.find((choice) => choice === answer);
        if (picked !== undefined) return picked;
        if (!question.allowOther) {
          output.write(`Answer with a number from 1 to ${question.choices.length}.\n`);
          continue;
        }
        try {
          return question.check(answer);
        } catch (error) {
          if (!(error instanceof ExplainedError)) throw error;
          output.write(`${error.message.split("\n")[0]}\n`);
        }
      }
    } finally {
      lines.close();
    }
  };
}
