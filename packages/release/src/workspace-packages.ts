import { runStep } from "./run-step.ts";

/** A package of the workspace, as pnpm lists it. */
export interface WorkspacePackage {
  name: string;
  version: string;
  dir: string;
  private: boolean;
}

/** Every package of the workspace in `root` (pnpm's own view of pnpm-workspace.yaml), the root included. */
export async function listWorkspacePackages(root: string, env: NodeJS.ProcessEnv): Promise<WorkspacePackage[]> {
  const output = await runStep({ step: "list the workspace's packages", program: "pnpm", args: ["ls", "--recursive", "--depth", "-1", "--json"], cwd: root, env, fix: "check pnpm-workspace.yaml" });
  const listed = JSON.parse(output.slice(output.indexOf("["))) as Array<{ name: string; version?: string; path: string; private?: boolean }>;
  return listed.map((entry) => ({ name: entry.name, version: entry.version ?? "", dir: entry.path, private: entry.private === true }));
}
