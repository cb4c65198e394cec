/**
 * The ways a secret shows up when software prints it: as it is, and percent-encoded as in a
 * connection URI (`%40` for `@`, `%20` or `+` for a space). Searching for these finds a password
 * whether a script echoed it or formatted it into a DSN.
 */
export function secretForms(secret: string): string[] {
  const encoded = encodeURIComponent(secret);
  return [...new Set([secret, encoded, encoded.replaceAll("%20", "+")])].filter((form) => form.length > 0);
}

/** Whether `text` holds the secret in any of its forms (NULs, as between a process's arguments, read as spaces). */
export function containsSecret(text: string, secret: string): boolean {
  const readable = text.replaceAll("\0", " ");
  return secretForms(secret).some((form) => readable.includes(form));
}

/**
 * The paths (`Config.Cmd[2]`, ...) of the strings in `value` that hold the secret, except those
 * `allowed` accepts (the environment variable the user set, say).
 */
export function secretLocations(value: unknown, secret: string, allowed: (path: string, text: string) => boolean, path = ""): string[] {
  if (typeof value === "string") return containsSecret(value, secret) && !allowed(path, value) ? [path || "(the value itself)"] : [];
  if (Array.isArray(value)) return value.flatMap((item, index) => secretLocations(item, secret, allowed, `${path}[${index}]`));
  if (value && typeof value === "object") {
    return Object.entries(value).flatMap(([key, item]) => {
      const at = path ? `${path}.${key}` : key;
      return [...(containsSecret(key, secret) ? [`${at} (the key)`] : []), ...secretLocations(item, secret, allowed, at)];
    });
  }
  return [];
}
