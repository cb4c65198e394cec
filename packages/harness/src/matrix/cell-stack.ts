import { type RunningStack, startStack } from "../stack/start-stack.ts";
import type { CellToVerify, VerifyCellOptions } from "./cell-to-verify.ts";

/** The cell's stack, started by the first check that asks for it and shared by the rest. */
export interface CellStack {
  /** Starts the stack on the first call; throws when the cell has none (no stack in its manifest, or no proxy image). */
  get(): Promise<RunningStack>;
  /** Stops the stack, if it was started (one that failed to start left nothing). */
  stop(): Promise<void>;
  /** How long it took to start (healthy or failed); null when no check asked for it. */
  startSeconds(): number | null;
}

/**
 * PostgreSQL, the cell's app image and its proxy image on a private network (src/stack), on first
 * use: the app on the cell's platform, the database and proxy on the engine's own.
 */
export function cellStackOnFirstUse(cell: CellToVerify, image: string, proxyImage: string | undefined, options: VerifyCellOptions): CellStack {
  const { manifest } = cell.template;
  let started: Promise<RunningStack> | undefined;
  let startSeconds: number | null = null;
  return {
    get() {
      if (!manifest.stack || !cell.proxy || !proxyImage) {
        throw new Error(`${cell.template.name} names no stack (database and proxy) to run its app in`);
      }
      const asked = performance.now();
      started ??= startStack({
        run: options.run,
        name: cell.id,
        databaseImage: options.environment.imageFor(manifest.stack.database),
        appImage: image,
        ...(cell.platform ? { appPlatform: cell.platform } : {}),
        appPort: manifest.port,
        proxyImage,
        proxyPort: cell.proxy.manifest.port,
        proxyHostPort: options.proxyPort,
        appEnv: options.appEnv,
      }).finally(() => {
        startSeconds = (performance.now() - asked) / 1000;
      });
      return started;
    },
    async stop() {
      if (started) await (await started.catch(() => undefined))?.stop();
    },
    startSeconds: () => startSeconds,
  };
}
