import http from 'node:http';
import type { Registry } from 'prom-client';
import type { Logger } from './logger';

export interface Readiness {
  readonly ready: boolean;
  readonly detail: Record<string, unknown>;
}

/** /metrics (Prometheus text), /healthz (the process answers) and /readyz (the service says it can work). */
export function startServiceHttpServer(options: { port: number; host: string; registry: Registry; readiness: () => Readiness; logger: Logger }): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    void (async () => {
      const url = req.url?.split('?')[0];
      if (url === '/metrics') {
        res.writeHead(200, { 'content-type': options.registry.contentType });
        res.end(await options.registry.metrics());
      } else if (url === '/healthz') {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{"status":"ok"}');
      } else if (url === '/readyz') {
        const { ready, detail } = options.readiness();
        res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ status: ready ? 'ready' : 'not ready', ...detail }));
      } else {
        res.writeHead(404).end();
      }
    })().catch((err: unknown) => {
      options.logger.warn({ err }, 'HTTP handler failed');
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve(server));
  });
}
