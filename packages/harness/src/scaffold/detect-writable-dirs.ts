import { type AppSourceFile } from "./app-source-files.ts";
import { appRelativeDirProblem, normalizedAppDir } from "./layout-flag-values.ts";

/** Flask's instance folder: for a package or module at the app's root, `<root>/instance`. */
const flaskInstanceDir = "instance";

/**
 * The folders the app makes in its own tree, relative to its root, sorted: Flask's instance folder
 * when the code uses it (`instance_relative_config=True`, `app.instance_path`), and each literal
 * relative path given to `os.makedirs(...)`, `os.mkdir(...)` or `Path(...).mkdir(...)` (not an
 * absolute one, nor one with `..` or `~`, nor one computed at run time, which cannot be read).
 */
export function detectWritableDirs(files: readonly AppSourceFile[]): string[] {
  const found = new Set<string>();
  for (const { source } of files) {
    if (/\binstance_relative_config\s*=\s*True\b|\.instance_path\b/.test(source)) found.add(flaskInstanceDir);
    const made = source.matchAll(/\bos\.(?:makedirs|mkdir)\(\s*(["'])([^"'\n]+)\1|\bPath\(\s*(["'])([^"'\n]+)\3\s*\)[^\n]*?\.mkdir\(/g);
    for (const match of made) {
      const dir = match[2] ?? match[4]!;
      if (appRelativeDirProblem(dir) === null) found.add(normalizedAppDir(dir));
    }
  }
  return [...found].sort();
}
