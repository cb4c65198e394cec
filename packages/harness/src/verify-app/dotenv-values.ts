/**
 * Every variable a dotenv file sets, as compose reads it: the last `NAME=value` line wins; a
 * single-quoted value is literal, a double-quoted one ends at its closing quote (`\"` and `\\`
 * escaped), an unquoted one at ` #` (a comment).
 */
export function dotenvValues(text: string): Map<string, string> {
  const values = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const match = line.match(/^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/);
    if (match) values.set(match[1]!, unquote(match[2]!));
  }
  return values;
}

function unquote(raw: string): string {
  const single = raw.match(/^'([^']*)'/);
  if (single) return single[1]!;
  const double = raw.match(/^"((?:[^"\\]|\\.)*)"/);
  if (double) return double[1]!.replace(/\\(["\\])/g, "$1");
  return raw.replace(/\s+#.*$/, "").trim();
}
