import { cpus, loadavg, release, totalmem } from "node:os";
import { runDocker } from "@dockerize-python/harness";

/** The machine a benchmark ran on: its figures mean nothing without it. */
export interface Machine {
  cpuModel: string;
  cores: number;
  ramBytes: number;
  kernel: string;
  docker: string;
  node: string;
  /** The 1-minute load average at the start and the end: high means other work shared the cores. */
  loadAverage: { start: number; end: number | null };
}

export async function describeMachine(): Promise<Machine> {
  const list = cpus();
  const { stdout } = await runDocker(["version", "--format", "{{.Server.Version}}"]);
  return {
    cpuModel: list[0]?.model.trim() ?? "unknown",
    cores: list.length,
    ramBytes: totalmem(),
    kernel: release(),
    docker: stdout.trim(),
    node: process.version,
    loadAverage: { start: loadavg()[0]!, end: null },
  };
}

export function currentLoadAverage(): number {
  return loadavg()[0]!;
}
