import { LogpipeError } from '../errors';
import type { Logger } from '../telemetry';
import { isApplicationError, isPermanentKafkaError } from './permanent-kafka-error';

export interface RetryWhileTransientOptions {
  readonly logger: Logger;
  /** How long to keep trying before giving up with RUNNER_KAFKA_UNAVAILABLE. */
  readonly timeoutMs?: number;
}

const FIRST_DELAY_MS = 250;
const MAX_DELAY_MS = 5_000;

/**
 * Runs `attempt` until it succeeds, waiting (250 ms doubling to 5 s) after each failure that
 * time can mend. kafkajs gives up on its first metadata answer that names a topic the broker
 * does not know yet (UNKNOWN_TOPIC_OR_PARTITION), which is what a topic created a moment ago,
 * or a broker whose coordinators are still loading, answers; a service starting then would
 * exit. Kafka refusing for good and errors of our own code are thrown at once.
 */
export async function retryWhileTransient<T>(what: string, attempt: () => Promise<T>, options: RetryWhileTransientOptions): Promise<T> {
  const { logger, timeoutMs = 60_000 } = options;
  const deadline = Date.now() + timeoutMs;
  let delay = FIRST_DELAY_MS;
  for (let attempts = 1; ; attempts++) {
    try {
      return await attempt();
    } catch (err) {
      if (isApplicationError(err) || isPermanentKafkaError(err)) throw err;
      const message = err instanceof Error ? err.message : String(err);
      if (Date.now() + delay > deadline) {
        throw new LogpipeError('RUNNER_KAFKA_UNAVAILABLE', `${what} failed for ${Math.round(timeoutMs / 1000)} s (${attempts} attempts); last error: ${message}`, { cause: err, retriable: true });
      }
      logger.warn({ what, attempts, retryInMs: delay, err: { name: (err as Error).name, message } }, `${what} failed; retrying`);
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, MAX_DELAY_MS);
    }
  }
}
