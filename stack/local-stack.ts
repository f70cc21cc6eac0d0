import fs from 'node:fs';
import { requireFreePorts } from './ports';
import { ElasticsearchServer } from './servers/elasticsearch';
import { KafkaServer } from './servers/kafka';
import type { LocalServer } from './servers/local-server';
import { LokiServer } from './servers/loki';
import type { StackConfig } from './stack-config';
import { StackError } from './stack-error';
import { waitUntil } from './wait-until';

export type ServerName = 'kafka' | 'elasticsearch' | 'loki';
export const SERVER_NAMES: readonly ServerName[] = ['kafka', 'elasticsearch', 'loki'];

export interface ServerStatus {
  readonly name: ServerName;
  readonly endpoint: string;
  readonly running: boolean;
  readonly healthy: boolean;
  readonly pid: number | undefined;
  readonly logFile: string;
}

/** The local Kafka / Elasticsearch / Loki processes of one run directory. */
export class LocalStack {
  private readonly servers: ReadonlyMap<ServerName, LocalServer>;

  constructor(readonly config: StackConfig) {
    this.servers = new Map<ServerName, LocalServer>([
      ['kafka', new KafkaServer(config)],
      ['elasticsearch', new ElasticsearchServer(config)],
      ['loki', new LokiServer(config)],
    ]);
  }

  server(name: ServerName): LocalServer {
    const server = this.servers.get(name);
    if (server === undefined) throw new StackError(`Unknown server '${name}'; expected one of ${SERVER_NAMES.join(', ')}.`);
    return server;
  }

  /**
   * Installs what is missing and starts what is not running, then waits for every health check.
   * Installs run one after another: on two cores, parallel JVM and Go builds only slow each other.
   * Returns the names it started (already-running servers are left alone).
   */
  async up(names: readonly ServerName[] = SERVER_NAMES, onProgress: (line: string) => void = () => undefined): Promise<ServerName[]> {
    fs.mkdirSync(this.config.runDir, { recursive: true });
    const toStart = names.filter((name) => !this.server(name).process.isRunning());
    for (const name of toStart) await requireFreePorts(name, this.server(name).ports);
    for (const name of toStart) {
      onProgress(`${name}: installing (cached after the first run)`);
      await this.server(name).install();
    }
    try {
      for (const name of toStart) {
        onProgress(`${name}: starting`);
        await this.server(name).start();
      }
      for (const name of names) await this.awaitHealthy(name, onProgress);
      for (const name of toStart) await this.server(name).afterHealthy?.();
    } catch (err) {
      // A failed `up` leaves nothing half-started behind.
      await this.down(toStart);
      throw err;
    }
    return toStart;
  }

  async down(names: readonly ServerName[] = SERVER_NAMES): Promise<void> {
    // Reverse order: consumers of Kafka-backed state stop before Kafka does.
    for (const name of [...names].reverse()) await this.server(name).process.stop();
  }

  async status(names: readonly ServerName[] = SERVER_NAMES): Promise<ServerStatus[]> {
    return Promise.all(
      names.map(async (name) => {
        const server = this.server(name);
        const running = server.process.isRunning();
        return {
          name,
          endpoint: server.endpoint,
          running,
          healthy: running && (await server.isHealthy()),
          pid: running ? server.process.pid() : undefined,
          logFile: server.logFile,
        };
      }),
    );
  }

  private async awaitHealthy(name: ServerName, onProgress: (line: string) => void): Promise<void> {
    const server = this.server(name);
    const healthy = await waitUntil(() => server.isHealthy(), {
      timeoutMs: server.startTimeoutMs,
      intervalMs: 300,
      stillWorthWaiting: () => server.process.isRunning(),
    });
    if (!healthy) {
      const exited = !server.process.isRunning();
      const tails = [server.logFile, ...(server.ownLogFiles ?? [])].map((file) => `--- ${file}\n${readTail(file, 20)}`);
      throw new StackError(
        `${name} ${exited ? 'exited during start' : `did not become healthy within ${server.startTimeoutMs / 1000} s`}; its log is ${server.logFile}.\n${tails.join('\n')}`,
      );
    }
    onProgress(`${name}: ready at ${server.endpoint}`);
  }
}

function readTail(file: string, lines: number): string {
  try {
    return fs.readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log written)';
  }
}
