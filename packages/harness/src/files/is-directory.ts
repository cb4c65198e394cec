import { stat } from "node:fs/promises";

/** Whether `path` is a folder (following links): false when it is missing, a file, or cannot be reached. */
export function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (info) => info.isDirectory(),
    () => false,
  );
}
