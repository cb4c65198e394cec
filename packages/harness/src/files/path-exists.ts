import { access } from "node:fs/promises";

/** Whether there is anything (a file, a folder) at `path`: false when it is missing or cannot be reached. */
export function pathExists(path: string): Promise<boolean> {
  return access(path).then(
    () => true,
    () => false,
  );
}
