/** One line of an edit script: kept, removed from the old text, or added by the new. */
interface Edit {
  kind: " " | "-" | "+";
  line: string;
  /** 0-based positions in the old and new line lists (the one the line is not in: where it would be). */
  oldIndex: number;
  newIndex: number;
}

/** Lines whose pairwise table (old × new, after the common start and end) is larger are replaced whole. */
const largestTable = 16_000_000;

/**
 * The unified diff (as `diff -u` prints it, three lines of context) turning `oldText` into
 * `newText`, headed `--- oldLabel` / `+++ newLabel`; "" when they are equal. A missing final
 * newline is marked as diff marks it.
 */
export function unifiedDiff(oldText: string, newText: string, oldLabel: string, newLabel: string, context = 3): string {
  if (oldText === newText) return "";
  const oldLines = splitLines(oldText);
  const newLines = splitLines(newText);
  const edits = editScript(oldLines, newLines);
  const hunks: string[] = [];
  const changed = edits.flatMap((edit, index) => (edit.kind === " " ? [] : [index]));
  let start = 0;
  while (start < changed.length) {
    // A hunk runs on while at most twice the context lies unchanged between two changes, as in diff.
    let end = start;
    while (end + 1 < changed.length && changed[end + 1]! - changed[end]! <= 2 * context + 1) end++;
    const from = Math.max(0, changed[start]! - context);
    const to = Math.min(edits.length, changed[end]! + context + 1);
    hunks.push(renderHunk(edits.slice(from, to)));
    start = end + 1;
  }
  return `--- ${oldLabel}\n+++ ${newLabel}\n${hunks.join("")}`;
}

interface Line {
  text: string;
  /** The last line, without a newline after it. */
  unterminated: boolean;
}

function splitLines(text: string): Line[] {
  if (text === "") return [];
  const parts = text.split("\n");
  const terminated = text.endsWith("\n");
  if (terminated) parts.pop();
  return parts.map((part, index) => ({ text: part, unterminated: !terminated && index === parts.length - 1 }));
}

const sameLine = (a: Line, b: Line) => a.text === b.text && a.unterminated === b.unterminated;

/** A shortest edit script by longest common subsequence, after the common start and end are set aside. */
function editScript(oldLines: readonly Line[], newLines: readonly Line[]): Edit[] {
  let prefix = 0;
  while (prefix < oldLines.length && prefix < newLines.length && sameLine(oldLines[prefix]!, newLines[prefix]!)) prefix++;
  let suffix = 0;
  while (
    suffix < oldLines.length - prefix &&
    suffix < newLines.length - prefix &&
    sameLine(oldLines[oldLines.length - 1 - suffix]!, newLines[newLines.length - 1 - suffix]!)
  ) {
    suffix++;
  }
  const oldMiddle = oldLines.slice(prefix, oldLines.length - suffix);
  const newMiddle = newLines.slice(prefix, newLines.length - suffix);

  const edits: Edit[] = [];
  const keep = (i: number, j: number) => edits.push({ kind: " ", line: renderLine(oldLines[i]!), oldIndex: i, newIndex: j });
  const remove = (i: number, j: number) => edits.push({ kind: "-", line: renderLine(oldLines[i]!), oldIndex: i, newIndex: j });
  const add = (i: number, j: number) => edits.push({ kind: "+", line: renderLine(newLines[j]!), oldIndex: i, newIndex: j });

  for (let k = 0; k < prefix; k++) keep(k, k);
  const rows = oldMiddle.length;
  const columns = newMiddle.length;
  if (rows * columns > largestTable) {
    for (let i = 0; i < rows; i++) remove(prefix + i, prefix);
    for (let j = 0; j < columns; j++) add(prefix + rows, prefix + j);
  } else {
    // lengths[i * (columns + 1) + j]: the longest common subsequence of oldMiddle[i..] and newMiddle[j..].
    const width = columns + 1;
    const lengths = new Uint32Array((rows + 1) * width);
    for (let i = rows - 1; i >= 0; i--) {
      for (let j = columns - 1; j >= 0; j--) {
        lengths[i * width + j] = sameLine(oldMiddle[i]!, newMiddle[j]!)
          ? lengths[(i + 1) * width + j + 1]! + 1
          : Math.max(lengths[(i + 1) * width + j]!, lengths[i * width + j + 1]!);
      }
    }
    let i = 0;
    let j = 0;
    while (i < rows || j < columns) {
      if (i < rows && j < columns && sameLine(oldMiddle[i]!, newMiddle[j]!)) {
        keep(prefix + i++, prefix + j++);
      } else if (j < columns && (i === rows || lengths[i * width + j + 1]! >= lengths[(i + 1) * width + j]!)) {
        add(prefix + i, prefix + j++);
      } else {
        remove(prefix + i++, prefix + j);
      }
    }
  }
  for (let k = 0; k < suffix; k++) keep(oldLines.length - suffix + k, newLines.length - suffix + k);
  // Removals before additions within a run of changes, as diff prints them.
  return orderRuns(edits);
}

function orderRuns(edits: Edit[]): Edit[] {
  const ordered: Edit[] = [];
  let run: Edit[] = [];
  const flush = () => {
    // Reordered, each line's position on the other side is where the run starts there.
    const oldStart = Math.min(...run.map((edit) => edit.oldIndex));
    const newStart = Math.min(...run.map((edit) => edit.newIndex));
    const removed = run.filter((edit) => edit.kind === "-").map((edit) => ({ ...edit, newIndex: newStart }));
    const added = run.filter((edit) => edit.kind === "+").map((edit) => ({ ...edit, oldIndex: oldStart + removed.length }));
    ordered.push(...removed, ...added);
    run = [];
  };
  for (const edit of edits) {
    if (edit.kind === " ") {
      flush();
      ordered.push(edit);
    } else {
      run.push(edit);
    }
  }
  flush();
  return ordered;
}

function renderLine(line: Line): string {
  return line.unterminated ? `${line.text}\n\\ No newline at end of file` : line.text;
}

/** `@@ -start,count +start,count @@` and the hunk's lines; an empty side starts at the line before it. */
function renderHunk(edits: readonly Edit[]): string {
  const oldCount = edits.filter((edit) => edit.kind !== "+").length;
  const newCount = edits.filter((edit) => edit.kind !== "-").length;
  const first = edits[0]!;
  const oldStart = oldCount ? first.oldIndex + 1 : first.oldIndex;
  const newStart = newCount ? first.newIndex + 1 : first.newIndex;
  const range = (start: number, count: number) => (count === 1 ? `${start}` : `${start},${count}`);
  const lines = edits.map((edit) => `${edit.kind}${edit.line}\n`).join("");
  return `@@ -${range(oldStart, oldCount)} +${range(newStart, newCount)} @@\n${lines}`;
}
