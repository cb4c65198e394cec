import { createServer } from "node:net";
import { ExplainedError } from "../explained-error.ts";

/** A TCP port on 127.0.0.1 that nothing listens on now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/** A port the user asked for is taken by another program (or another container's published port). */
export class PortInUseError extends ExplainedError {
  readonly port: number;

  constructor(port: number, purpose: string, option: string) {
    super(
      `Port ${port}, asked for ${purpose}, is already in use on this machine, so it cannot be published there.\n` +
        `Fix: stop what listens on ${port} (\`ss -ltnp 'sport = :${port}'\` names it; \`docker ps --filter publish=${port}\` a container), ` +
        `choose another port with ${option}, or leave ${option} out to use a free port.`,
    );
    this.port = port;
  }
}

/**
 * Throws PortInUseError when something listens on `port` on any address. Docker publishes a port on
 * every address, IPv4 and IPv6, so the probe binds the dual-stack wildcard (IPv4 only without IPv6).
 */
export async function assertPortFree(port: number, purpose: string, option: string): Promise<void> {
  const probe = (host: string) =>
    new Promise<string | undefined>((resolve) => {
      const server = createServer();
      server.once("error", (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
      server.listen({ port, host, exclusive: true }, () => server.close(() => resolve(undefined)));
    });
  let problem = await probe("::");
  if (problem === "EAFNOSUPPORT" || problem === "EADDRNOTAVAIL") problem = await probe("0.0.0.0");
  if (problem === "EADDRINUSE") throw new PortInUseError(port, purpose, option);
  // EACCES: a port below 1024 without the privilege to bind it. Docker binds it as root, so it may still work.
  if (problem && problem !== "EACCES") throw new Error(`could not check whether port ${port} is free: ${problem}`);
}
