import { type AppSourceFile } from "./app-source-files.ts";

/** The routes a health check conventionally asks, in the order one is preferred when an app has several. */
export const healthRoutes = ["/healthz", "/health", "/livez", "/ping", "/status"] as const;

/** A health route found in the app's code, and the file that declares it. */
export interface FoundHealthRoute {
  path: string;
  file: string;
}

/**
 * The app's health route: the first of `healthRoutes` that a route decorator
 * (`@app.route("/health")`, `@bp.get('/healthz')`), `add_url_rule("/ping", ...)` or a Django URL
 * pattern (`path("healthz", ...)`, relative to the root: a pattern in an included URLconf is taken
 * as the root's too) declares in its Python files, a trailing slash allowed; null when none does.
 */
export function detectHealthRoute(files: readonly AppSourceFile[]): FoundHealthRoute | null {
  const declared = files.flatMap((file) => [
    ...[...file.source.matchAll(/(?:^[ \t]*@[\w.]+\.(?:route|get|head|api_route)|\badd_url_rule)\(\s*(["'])(\/[^"'\n]*)\1/gm)].map((match) => ({ path: match[2]!, file: file.path })),
    ...[...file.source.matchAll(/\bpath\(\s*(["'])([^"'\n/][^"'\n]*)\1/g)].map((match) => ({ path: `/${match[2]!}`, file: file.path })),
  ]);
  for (const route of healthRoutes) {
    const found = declared.find((candidate) => candidate.path === route || candidate.path === `${route}/`);
    if (found) return found;
  }
  return null;
}
