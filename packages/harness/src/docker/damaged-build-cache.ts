/**
 * A build cache record whose files are gone: BuildKit cannot start the next step from it and fails
 * with "failed to prepare <record> as <new>: open /var/lib/docker/overlay2/<dir>/...: no such file or
 * directory". Seen with Debian's docker.io 26.1.5 after images that shared the record's layers were
 * removed (`docker image prune`, `docker rmi`): every build that reaches the record fails the same
 * way, whatever the app or the Dockerfile, until the record is removed. The record's ID, or undefined.
 */
export function damagedCacheRecord(output: string): string | undefined {
  return /failed to prepare ([a-z0-9]+) as [a-z0-9]+: [^\n]*no such file or directory/.exec(output)?.[1];
}
