/**
 * testcontainers, configured for the harness. Import it from here, never from "testcontainers"
 * directly, so that this setting is made before testcontainers reads it.
 *
 * Ryuk, testcontainers' reaper, is an image pulled from a registry, which hermetic machines cannot
 * reach; the harness removes what it starts itself, by label (see run-labels.ts). A user who sets
 * TESTCONTAINERS_RYUK_DISABLED keeps their own choice.
 */
process.env.TESTCONTAINERS_RYUK_DISABLED ??= "true";

import type { GenericContainer as Container } from "testcontainers";
export { GenericContainer, PullPolicy, Wait, type StartedTestContainer } from "testcontainers";
/** A container's health check (times in ms), as testcontainers takes it (its package does not export the type). */
export type HealthCheck = Parameters<Container["withHealthCheck"]>[0];
export { PostgreSqlContainer, type StartedPostgreSqlContainer } from "@testcontainers/postgresql";
