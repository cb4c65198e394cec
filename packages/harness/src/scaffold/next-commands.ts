import { posix } from "node:path";
import type { TemplateManifest } from "../manifest/schema.ts";

/** The names `docker compose` finds by itself in the current folder. */
const defaultComposeFiles = new Set(["compose.yaml", "compose.yml", "docker-compose.yaml", "docker-compose.yml"]);

/**
 * The two commands to run in the app's root after `new`: start the app as the template runs it
 * (its compose file, with .env made from .env.example; or a plain build), then verify it.
 */
export function nextCommands(manifest: TemplateManifest, copiedPaths: readonly string[]): [string, string] {
  const dotEnv = copiedPaths.includes(".env.example") ? "cp .env.example .env && " : "";
  let start = `docker build -f ${manifest.dockerfile} .`;
  if (manifest.compose) start = `${dotEnv}docker compose ${defaultComposeFiles.has(manifest.compose) ? "" : `-f ${posix.normalize(manifest.compose)} `}up --build`;
  return [start, "dockerize-python verify"];
}
