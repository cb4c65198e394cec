import { ExplainedError } from "../explained-error.ts";
import type { DependencyStyle } from "../manifest/schema.ts";

/** What `dockerize-python new` adapts a template to: decided once, recorded, and reapplied by `diff`. */
export interface AppSettings {
  /** Where the app declares its dependencies; null for a template with no Python (a proxy). */
  dependencyStyle: DependencyStyle | null;
  /** What the server serves: `module:callable` or `package:factory()`; null for a template with no Python. */
  wsgiApp: string | null;
}

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
        "Fix: pass --wsgi-app with the module the server imports from the app's root and the name of the WSGI callable in it.",
    );
  }
}

/** `value` when it is a well-formed WSGI target; an InvalidWsgiAppError otherwise. */
export function checkWsgiApp(value: string): string {
  if (!wsgiAppPattern.test(value)) throw new InvalidWsgiAppError(value);
  return value;
}
