import { type CheckContainer, startCheckContainer } from "./check-container.ts";
import { type RunningStack, stackAppEnvironment } from "./start-stack.ts";

export interface AppBesideStackRequest {
  /** The container's whole name (see runResourceName). */
  name: string;
  /** Names other containers on the network reach it by. */
  aliases?: readonly string[];
  image: string;
  /** More `docker run` options: --read-only, --user, --cap-drop ... */
  options?: readonly string[];
  /** Added to (or replacing) the stack's app environment. */
  env?: Record<string, string>;
  command?: readonly string[];
  /** Another network than the stack's: where the database is reached only if the check puts it there. */
  network?: string;
}

/**
 * Another container of an app image beside the stack's own app: on the stack's network, with the
 * environment the stack's app has (its database as `db`), its port published. A check that must
 * run the app differently (read-only, another uid) or stop it uses this one and leaves the shared
 * stack as it is.
 */
export function startAppBesideStack(stack: RunningStack, request: AppBesideStackRequest): Promise<CheckContainer> {
  return startCheckContainer({
    run: stack.request.run,
    name: request.name,
    image: request.image,
    // The stack's app's platform (an emulated cell's): the image is that platform's.
    platform: stack.request.appPlatform,
    network: request.network ?? stack.network,
    aliases: request.aliases,
    env: { ...stackAppEnvironment(stack.request), ...request.env },
    publish: stack.request.appPort,
    options: request.options,
    command: request.command,
  });
}
