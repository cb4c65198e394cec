import { ExplainedError } from "../explained-error.ts";
import type { AppKind, DependencyStyle } from "../manifest/schema.ts";

/** What `dockerize-python new` adapts a template to: decided once, recorded, and reapplied by `diff`. */
export interface AppSettings {
  /** Where the app declares its dependencies; null for a template with no Python (a proxy). */
  dependencyStyle: DependencyStyle | null;
  /**
   * What the server serves: `module:callable` or `package:factory()` (WSGI_APP, or ASGI_APP for an ASGI
   * template; the name predates ASGI and is kept so that older records read alike); null for a template with no Python.
   */
  wsgiApp: string | null;
  /**
   * The app's static folder, relative to its root (`flaskr/static`, `static`), which the proxy bakes
   * into its image and serves at /static/; null when the app has none (the proxy then serves none).
   */
  staticDir: string | null;
  /**
   * A Django app's STATIC_ROOT, relative to its root (`staticfiles`): where collectstatic gathers
   * the static files in the app's image, from which the proxy copies them (staticDir's files among
   * them); null for any other app, whose proxy bakes staticDir in from the build context.
   */
  staticRoot: string | null;
  /** Whether the app uses PostgreSQL: `none` takes the database service, its settings and the wait out. */
  database: AppDatabase;
  /** The route the image's health check asks (`/health`), found in the app; null: the image's default, /healthz. */
  healthPath: string | null;
  /**
   * Folders the app writes into its own tree at run time (Flask's `instance`), relative to its root:
   * each becomes a link into APP_DATA_DIR in the image, so the code stays read-only.
   */
  writableDirs: string[];
  /**
   * Files the app writes in place inside its own tree, relative to its root: a Django project's
   * SQLite database (`db.sqlite3`). Each becomes a link into APP_DATA_DIR, its folder staying
   * read-only: SQLite follows the link and keeps its journal beside the file it leads to.
   */
  writableFiles: string[];
}

export const appDatabases = ["postgresql", "none"] as const;
export type AppDatabase = (typeof appDatabases)[number];

/** The route the images' health check asks when the app names none (healthPath null). */
export const defaultHealthPath = "/healthz";

/** What an app was adapted to before these settings existed (records written by 0.1 templates' new). */
export const defaultLayoutSettings: Pick<AppSettings, "staticDir" | "staticRoot" | "database" | "healthPath" | "writableDirs" | "writableFiles"> = {
  staticDir: "static",
  staticRoot: null,
  database: "postgresql",
  healthPath: null,
  writableDirs: [],
  writableFiles: [],
};

/**
 * `module:callable` or `package.module:factory(args)`: dotted Python names, and a call for an app
 * factory. No single quote in the arguments: the value is written single-quoted into .env.example.
 */
const wsgiAppPattern = /^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*:[A-Za-z_]\w*(\.[A-Za-z_]\w*)*(\([^'\n]*\))?$/;

/** A WSGI target that is not `module:callable`. */
export class InvalidWsgiAppError extends ExplainedError {
  constructor(value: string) {
    super(
      `"${value}" is not a WSGI target: it must be module:callable (wsgi:app, myproject.wsgi:application) or an app factory, package:create_app() (use double quotes inside its parentheses).\n` +
        "Fix: pass --app with the module the server imports from the app's root and the name of the WSGI callable in it.",
    );
  }
}

/** `value` when it is a well-formed WSGI target; an InvalidWsgiAppError otherwise. */
export function checkWsgiApp(value: string): string {
  if (!wsgiAppPattern.test(value)) throw new InvalidWsgiAppError(value);
  return value;
}

/** An ASGI target whose factory takes arguments: Uvicorn and Granian call a factory with none. */
export class AsgiFactoryArgumentsError extends ExplainedError {
  constructor(value: string) {
    super(
      `"${value}" calls an app factory with arguments, but the ASGI servers (Uvicorn, Granian) call a factory with none.\n` +
        "Fix: call it in a module of your app (asgi.py: app = create_app(...)) and pass --app asgi:app, or make its arguments optional and pass package:create_app().",
    );
  }
}

/** `value` when it is a well-formed target for a server of this kind (an ASGI factory takes no arguments). */
export function checkAppTarget(value: string, kind: AppKind): string {
  checkWsgiApp(value);
  if (kind === "asgi" && value.endsWith(")") && !value.endsWith("()")) throw new AsgiFactoryArgumentsError(value);
  return value;
}
