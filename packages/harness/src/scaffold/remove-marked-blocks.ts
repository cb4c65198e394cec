/** A `# >>> name` line without its `# <<< name`: a defect of the template, not of the app. */
export class UnclosedMarkedBlockError extends Error {
  constructor(path: string, name: string, line: number) {
    super(`${path}: the block opened with "# >>> ${name}" on line ${line} has no "# <<< ${name}" line; the template is broken`);
    this.name = "UnclosedMarkedBlockError";
  }
}

/**
 * `text` without its blocks marked for `name`: from each line `# >>> name ...` (indented as it is
 * in YAML) through the next line `# <<< name`, both marker lines included. Returns the text and how
 * many blocks went; the same text when none is there, so removing twice changes nothing.
 */
export function removeMarkedBlocks(text: string, name: string, path: string): { text: string; removed: number } {
  const lines = text.split("\n");
  const open = new RegExp(`^[ \\t]*# >>> ${name}\\b.*$`);
  const close = new RegExp(`^[ \\t]*# <<< ${name}[ \\t]*$`);
  const kept: string[] = [];
  let removed = 0;
  for (let i = 0; i < lines.length; i++) {
    if (!open.test(lines[i]!)) {
      kept.push(lines[i]!);
      continue;
    }
    const end = lines.findIndex((line, j) => j > i && close.test(line));
    if (end === -1) throw new UnclosedMarkedBlockError(path, name, i + 1);
    removed++;
    i = end;
  }
  return { text: kept.join("\n"), removed };
}
