import net from 'node:net';
import { StackError } from './stack-error';

/** Resolves true when nothing listens on 127.0.0.1:port. */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen({ host: '127.0.0.1', port, exclusive: true }, () => {
      server.close(() => resolve(true));
    });
  });
}

export async function requireFreePorts(owner: string, ports: readonly number[]): Promise<void> {
  for (const port of ports) {
    if (!(await isPortFree(port))) {
      throw new StackError(
        `Port ${port} on 127.0.0.1 is already in use, so ${owner} cannot start; stop what holds it (see \`ss -ltnp 'sport = :${port}'\`) or choose another port with the LOGPIPE_STACK_* variables.`,
      );
    }
  }
}
