import { type CheckName, checkNames } from "../manifest/schema.ts";
import { arbitraryUid } from "./arbitrary-uid.ts";
import { caddyHttp } from "./caddy-http.ts";
import { caddyModules } from "./caddy-modules.ts";
import { caddyValidate } from "./caddy-validate.ts";
import { capDropAll } from "./cap-drop-all.ts";
import type { Check, CheckContext, StaticCheckContext } from "./check.ts";
import { composeUp } from "./compose-up.ts";
import { dataSurvivesRestart } from "./data-survives-restart.ts";
import { dbRestartUnderLoad } from "./db-restart-under-load.ts";
import { dbWait } from "./db-wait.ts";
import { depsLayerCached } from "./deps-layer-cached.ts";
import { httpThroughCaddy } from "./http-through-caddy.ts";
import { lint } from "./lint.ts";
import { noSecretsInImage } from "./no-secrets-in-image.ts";
import { nonRoot } from "./non-root.ts";
import { ociLabels } from "./oci-labels.ts";
import { onbuildChild } from "./onbuild-child.ts";
import { overrideCmd } from "./override-cmd.ts";
import { passwordSpecialChars } from "./password-special-chars.ts";
import { proxyUpstreamDown } from "./proxy-upstream-down.ts";
import { readOnlyRootfs } from "./read-only-rootfs.ts";
import { reproducible } from "./reproducible.ts";
import { sbomComplete } from "./sbom-complete.ts";
import { sigtermGraceful } from "./sigterm-graceful.ts";
import { sizeBudget } from "./size-budget.ts";
import { staticRefresh } from "./static-refresh.ts";

/**
 * Every check the harness knows, by the name manifests and reports use. The order is the order of
 * their results, and the order they run in one after another (--jobs 1; side by side, see
 * stagedAppLanes): the ones that change the staged app (deps-layer-cached, static-refresh) or rebuild (compose-up)
 * come last. Each keeps its own type (the part of the context it reads); `satisfies` proves that the
 * whole CheckContext, which the runner passes, has every part each one reads.
 */
export const checks = {
  lint,
  "size-budget": sizeBudget,
  "non-root": nonRoot,
  "oci-labels": ociLabels,
  // Reads the built image (syft) and a container of its own that lists what is installed.
  "sbom-complete": sbomComplete,
  "caddy-validate": caddyValidate,
  "caddy-modules": caddyModules,
  "caddy-http": caddyHttp,
  "cap-drop-all": capDropAll,
  "proxy-upstream-down": proxyUpstreamDown,
  "http-through-caddy": httpThroughCaddy,
  // Each runs the cell's image in containers of its own (beside the stack, or instead of it): the
  // stack's app is left as the other checks find it.
  "override-cmd": overrideCmd,
  "password-special-chars": passwordSpecialChars,
  "db-wait": dbWait,
  "read-only-rootfs": readOnlyRootfs,
  "arbitrary-uid": arbitraryUid,
  "sigterm-graceful": sigtermGraceful,
  // A stack of its own (its PostgreSQL restarted under load): the cell's stack is not touched.
  "db-restart-under-load": dbRestartUnderLoad,
  "onbuild-child": onbuildChild,
  // Before no-secrets-in-image: it measures the cache the cell's own build left. Run after that
  // check's uncached rebuild of the secret-using stages, it once saw BuildKit run them again.
  "deps-layer-cached": depsLayerCached,
  // Builds under its own tag: the cell's image and the staged app stay as they are.
  "no-secrets-in-image": noSecretsInImage,
  // Builds twice from a clean cache under tags of its own, from the staged app as the cell built it.
  reproducible,
  // These three share the cell's compose project, started by the first of them to run.
  "compose-up": composeUp,
  "data-survives-restart": dataSurvivesRestart,
  // Changes a static file of the staged app and rebuilds: last.
  "static-refresh": staticRefresh,
} satisfies Record<CheckName, Check>;

/**
 * The checks that change the staged app (deps-layer-cached, static-refresh), read it
 * (http-through-caddy), build from it (onbuild-child, no-secrets-in-image, reproducible, compose's build) or
 * share the cell's compose project, and so
 * run in order: `first` before any of the others (deps-layer-cached measures the cache the cell's
 * own build left, which any other build of the staged app could fill), then each lane one check
 * after another, the lanes side by side. Every other check reads the built image, the shared stack
 * (never changed by a check) or containers of its own, and runs beside them (see runInLanes).
 */
export const stagedAppLanes = {
  first: ["deps-layer-cached"],
  lanes: [
    ["onbuild-child", "no-secrets-in-image", "reproducible"],
    // http-through-caddy compares the proxy's static file with the staged one, which static-refresh changes.
    ["http-through-caddy", "compose-up", "data-survives-restart", "static-refresh"],
  ],
} as const satisfies { first: readonly CheckName[]; lanes: ReadonlyArray<readonly CheckName[]> };

/**
 * The checks whose verdict holds a time bound (an exit within 5 s of a stop, a database wait's
 * exit within 10 s, serving within 30 s once the database is up, an overridden command done within
 * 10 s, a 502 within 1 s, serving again within 10 s of a restarted database, under a steady load
 * whose error window the detail reports): a machine whose cores are busy with other cells' containers and builds
 * can make an image miss them that meets them alone. The runner runs them one at a time (see
 * runCellChecks), never two at once in a run.
 */
export const timedChecks: ReadonlySet<CheckName> = new Set<CheckName>(["sigterm-graceful", "db-wait", "override-cmd", "proxy-upstream-down", "db-restart-under-load"]);

export const stagedAppChecks: ReadonlySet<CheckName> = new Set<CheckName>([...stagedAppLanes.first, ...stagedAppLanes.lanes.flat()]);

/**
 * The checks that need no built image, no stack and no network: they read the template's files
 * only (CheckContext.templateFiles), so a runner may run them for a cell it cannot build. Their
 * type proves it: each takes a StaticCheckContext.
 */
export const staticChecks = { lint } satisfies Partial<Record<CheckName, Check<StaticCheckContext>>>;

export type StaticCheckName = keyof typeof staticChecks;

export function isStaticCheck(name: CheckName): name is StaticCheckName {
  return Object.hasOwn(staticChecks, name);
}

export const staticCheckNames: ReadonlySet<CheckName> = new Set(checkNames.filter(isStaticCheck));

/**
 * The checks that request routes only the sample app has, each with what it requests: on an app
 * without them (`dockerize-python verify` on a user's app) they are reported as skip with the
 * reason, never run against routes that are not there. Every other check knows the app serves by
 * its probe (CheckContext.probe), so it runs on any app.
 */
export const sampleAppRoutesNeeded = {
  "password-special-chars": "a route that shows the database's version through the connection the password made: the sample app's GET /, answering \"PostgreSQL <version>\"",
  "data-survives-restart": "the sample app's POST /visits (adds a row to the database) and GET /visits (counts the rows)",
  "db-restart-under-load": "the sample app's POST /visits (adds a row, answers the count) and GET /visits (counts the rows), its load while the database restarts",
} satisfies Partial<Record<CheckName, string>>;

/** The names of the checks whose type says they read `member` of the context. */
export type ChecksReading<Member extends keyof CheckContext> = {
  [Name in CheckName]: Member extends keyof Parameters<(typeof checks)[Name]>[0] ? Name : never;
}[CheckName];

/**
 * The checks that use the cell's stack (context.stack()) on an app cell: the runner builds the proxy
 * image for them. TypeScript holds this list to exactly the checks whose type reads `stack`.
 */
const readStack: Record<ChecksReading<"stack">, true> = {
  "http-through-caddy": true,
  "non-root": true,
  "password-special-chars": true,
  "db-wait": true,
  "read-only-rootfs": true,
  "arbitrary-uid": true,
  "cap-drop-all": true,
  "sigterm-graceful": true,
  "proxy-upstream-down": true,
  // Its own stack is started like the cell's (startStackLike): the runner must build the proxy for it too.
  "db-restart-under-load": true,
  // Its child runs in a stack like the cell's: the runner must build the proxy for it too.
  "onbuild-child": true,
};

export const stackCheckNames: ReadonlySet<CheckName> = new Set(checkNames.filter((name) => Object.hasOwn(readStack, name)));
