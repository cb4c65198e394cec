/**
 * The Caddy module IDs a JSON config (the output of `caddy adapt`) uses, derived from Caddy's JSON
 * conventions: each module is named by an inline key whose namespace its place in the config sets.
 * Only what a config can name is derived; defaults it leaves implicit (the stderr log writer, say)
 * are not modules it "uses".
 */
export function caddyModulesUsed(config: unknown): Set<string> {
  const used = new Set<string>();
  const root = asObject(config);
  for (const app of Object.keys(asObject(root?.apps) ?? {})) used.add(app);
  walk(config, undefined, used);
  return used;
}

/** An inline module key, by the key of the object that holds it: `"transport": {"protocol": "http"}`. */
const inlineKeys: Record<string, { key: string; namespace: string }> = {
  transport: { key: "protocol", namespace: "http.reverse_proxy.transport" },
  selection_policy: { key: "policy", namespace: "http.reverse_proxy.selection_policies" },
  dynamic_upstreams: { key: "source", namespace: "http.reverse_proxy.upstreams" },
  trusted_proxies: { key: "source", namespace: "http.ip_sources" },
  writer: { key: "output", namespace: "caddy.logging.writers" },
  encoder: { key: "format", namespace: "caddy.logging.encoders" },
  storage: { key: "module", namespace: "caddy.storage" },
};

function walk(node: unknown, parentKey: string | undefined, used: Set<string>): void {
  if (Array.isArray(node)) {
    for (const item of node) walk(item, parentKey, used);
    return;
  }
  const object = asObject(node);
  if (!object) return;
  // An HTTP handler: {"handler": "reverse_proxy", ...}.
  if (typeof object.handler === "string") used.add(`http.handlers.${object.handler}`);
  // A TLS issuer: "issuers": [{"module": "acme"}].
  if (parentKey === "issuers" && typeof object.module === "string") used.add(`tls.issuance.${object.module}`);
  const inline = parentKey ? inlineKeys[parentKey] : undefined;
  if (inline && typeof object[inline.key] === "string") used.add(`${inline.namespace}.${object[inline.key]}`);
  for (const [key, value] of Object.entries(object)) {
    // A route's matcher sets: "match": [{"path": [...], "header": {...}}].
    if (key === "match" && "handle" in object) {
      addMatcherSets(value, used);
      continue;
    }
    // The encode handler's encoders: "encodings": {"gzip": {}, "zstd": {}}.
    if (key === "encodings" && object.handler === "encode") {
      for (const encoder of Object.keys(asObject(value) ?? {})) used.add(`http.encoders.${encoder}`);
    }
    walk(value, key, used);
  }
}

/** Every matcher of the sets, and of the sets nested in a `not` matcher. */
function addMatcherSets(sets: unknown, used: Set<string>): void {
  for (const set of Array.isArray(sets) ? sets : []) {
    for (const [matcher, argument] of Object.entries(asObject(set) ?? {})) {
      used.add(`http.matchers.${matcher}`);
      if (matcher === "not") addMatcherSets(argument, used);
    }
  }
}

function asObject(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}
