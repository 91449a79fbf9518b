import { createServer } from 'node:net';

/** A port the topology was asked to use is taken by another process. */
export class PortInUseError extends Error {
  constructor(
    readonly port: number,
    /** What the port was for: `players`, `task-2` or `database`. */
    readonly role: string,
  ) {
    super(`port ${port} (${role}) is already in use on 127.0.0.1 by another program`);
    this.name = 'PortInUseError';
  }
}

/**
 * Fails with `PortInUseError` when something already listens on 127.0.0.1:`port`. Checked before
 * anything starts: a gateway that cannot bind exits, but its readiness probe would meet whatever
 * answers on the port instead (e.g. another `npm start`) and take it for the new gateway.
 */
export function assertPortFree(port: number, role: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', (error: NodeJS.ErrnoException) => {
      reject(error.code === 'EADDRINUSE' ? new PortInUseError(port, role) : error);
    });
    probe.listen({ port, host: '127.0.0.1', exclusive: true }, () => {
      probe.close(() => resolve());
    });
  });
}
