import type { CheckName } from "../manifest/schema.ts";
import { caddyHttp } from "./caddy-http.ts";
import { caddyModules } from "./caddy-modules.ts";
import { caddyValidate } from "./caddy-validate.ts";
import type { Check } from "./check.ts";
import { composeUp } from "./compose-up.ts";
import { depsLayerCached } from "./deps-layer-cached.ts";
import { httpThroughCaddy } from "./http-through-caddy.ts";
import { lint } from "./lint.ts";
import { nonRoot } from "./non-root.ts";
import { onbuildChild } from "./onbuild-child.ts";
import { sizeBudget } from "./size-budget.ts";

/**
 * Every check the harness knows, by the name manifests and reports use. The order is the order they
 * run in: the ones that change the staged app (deps-layer-cached) or rebuild (compose-up) come last.
 */
export const checks: Record<CheckName, Check> = {
  lint,
  "size-budget": sizeBudget,
  "non-root": nonRoot,
  "caddy-validate": caddyValidate,
  "caddy-modules": caddyModules,
  "caddy-http": caddyHttp,
  "http-through-caddy": httpThroughCaddy,
  "onbuild-child": onbuildChild,
  "deps-layer-cached": depsLayerCached,
  "compose-up": composeUp,
};

/**
 * The checks that need no built image, no stack and no network: they read the template's files
 * only (CheckContext.templateFiles), so a runner may run them for a cell it cannot build.
 */
export const staticCheckNames: ReadonlySet<CheckName> = new Set<CheckName>(["lint"]);
