import type { CheckName } from "../manifest/schema.ts";
import { caddyValidate } from "./caddy-validate.ts";
import type { Check } from "./check.ts";
import { composeUp } from "./compose-up.ts";
import { depsLayerCached } from "./deps-layer-cached.ts";
import { httpThroughCaddy } from "./http-through-caddy.ts";
import { nonRoot } from "./non-root.ts";
import { sizeBudget } from "./size-budget.ts";

/**
 * Every check the harness knows, by the name manifests and reports use. The order is the order they
 * run in: the ones that change the staged app (deps-layer-cached) or rebuild (compose-up) come last.
 */
export const checks: Record<CheckName, Check> = {
  "size-budget": sizeBudget,
  "non-root": nonRoot,
  "caddy-validate": caddyValidate,
  "http-through-caddy": httpThroughCaddy,
  "deps-layer-cached": depsLayerCached,
  "compose-up": composeUp,
};
