import { writeFile } from "node:fs/promises";
import { z } from "zod";
import { templateManifestSchema } from "./schema.ts";

/**
 * Writes template.schema.json, the JSON Schema of template.json, from the zod schema (the one source
 * of truth): editors validate a manifest while it is written. Cross-field rules (a variant's base
 * image must be a declared base-image arg, ...) are the zod schema's alone; the loader applies them.
 * Run by the package's build.
 */
const schema = z.toJSONSchema(templateManifestSchema, { io: "input", unrepresentable: "any" });
await writeFile(new URL("../../template.schema.json", import.meta.url), `${JSON.stringify({ title: "dockerize-python template manifest (template.json)", ...schema }, null, 2)}\n`);
