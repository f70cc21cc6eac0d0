import type { Endpoints, ServerProvider } from './server-provider';

/** Uses a deployment named by KAFKA_BROKERS, ES_URL and LOKI_URL; starts and stops nothing. */
export class ExistingServersProvider implements ServerProvider {
  readonly description: string;

  constructor(private readonly endpoints: Endpoints) {
    this.description = `existing servers (${endpoints.kafkaBrokers}, ${endpoints.esUrl}, ${endpoints.lokiUrl})`;
  }

  /** Returns a provider when all three variables are set, undefined when none is, and throws when only some are. */
  static fromEnv(env: NodeJS.ProcessEnv): ExistingServersProvider | undefined {
    const keys = ['KAFKA_BROKERS', 'ES_URL', 'LOKI_URL'] as const;
    const set = keys.filter((k) => env[k] !== undefined && env[k] !== '');
    if (set.length === 0) return undefined;
    if (set.length < keys.length) {
      const missing = keys.filter((k) => !set.includes(k));
      throw new Error(`To test against existing servers set all of ${keys.join(', ')}; missing: ${missing.join(', ')}.`);
    }
    return new ExistingServersProvider({
      kafkaBrokers: env.KAFKA_BROKERS as string,
      esUrl: env.ES_URL as string,
      lokiUrl: env.LOKI_URL as string,
    });
  }

  async start(): Promise<Endpoints> {
    return this.endpoints;
  }

  async stop(): Promise<void> {
    // Not ours to stop.
  }
}
