import { LocalStack, type ServerName } from '../../stack/local-stack';
import { stackConfigFromEnv } from '../../stack/stack-config';
import type { Endpoints, ServerProvider } from './server-provider';

/** The default: the local stack's real servers as processes on 127.0.0.1 (installed on first use). */
export class ProcessProvider implements ServerProvider {
  readonly description = 'local stack processes (stack/)';
  private readonly stack = new LocalStack(stackConfigFromEnv());
  private started: ServerName[] = [];

  async start(): Promise<Endpoints> {
    this.started = await this.stack.up(undefined, (line) => process.stderr.write(`[stack] ${line}\n`));
    return {
      kafkaBrokers: this.stack.server('kafka').endpoint,
      esUrl: this.stack.server('elasticsearch').endpoint,
      lokiUrl: this.stack.server('loki').endpoint,
    };
  }

  async stop(): Promise<void> {
    // Servers that were already running (a developer's `npm run stack -- up`) stay up.
    await this.stack.down(this.started);
    this.started = [];
  }
}
