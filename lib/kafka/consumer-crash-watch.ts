import type { Consumer, ConsumerRunConfig } from 'kafkajs';
import { LogpipeError } from '../errors';
import type { Logger } from '../telemetry';
import { isApplicationError, isPermanentKafkaError } from './permanent-kafka-error';

/** Back-off between restarts of a crashed consumer: doubling from 1 s up to 30 s. */
const FIRST_RESTART_DELAY_MS = 1_000;
const MAX_RESTART_DELAY_MS = 30_000;
/** Restarts in a row that fail to get the consumer back into its group before the service gives up. */
const MAX_FAILED_RESTARTS = 10;

/**
 * kafkajs restarts a crashed consumer only after errors it calls retriable; after any other it
 * stays stopped while the process lives on, holding no partitions: an instance that looks alive
 * and consumes nothing. kafkajs calls some passing troubles non-retriable (a broker that stalled
 * past its request timeout: "Failed to find group coordinator"), so this watch restarts the
 * consumer itself after those, with back-off, until it is back in its group. A crash no restart
 * can mend (Kafka refusing rights or configuration, or an error of the application's own code),
 * or restarts failing `MAX_FAILED_RESTARTS` times in a row, becomes a fatal error the service
 * exits on, so its supervisor sees it and the group's other members take over meanwhile.
 */
export class ConsumerCrashWatch {
  private fatal: LogpipeError | undefined;
  private failedRestarts = 0;
  private timer: NodeJS.Timeout | undefined;
  private closed = false;
  private restarts = 0;

  /**
   * `restart`: connect and run the (crashed, disconnected) consumer again, as it was first run;
   * `onRestart`: told of each restart (a metric).
   */
  constructor(
    consumer: Consumer,
    private readonly groupId: string,
    private readonly logger: Logger,
    private readonly restart: () => Promise<void>,
    private readonly onRestart: () => void = () => undefined,
  ) {
    consumer.on(consumer.events.CRASH, (e) => {
      const { error, restart: kafkajsRestarts } = e.payload as { error: Error; restart: boolean };
      if (kafkajsRestarts) {
        logger.warn({ groupId, err: { name: error.name, message: error.message } }, 'Consumer crashed on a transient error; kafkajs restarts it');
        return;
      }
      if (this.closed) return;
      if (isApplicationError(error) || isPermanentKafkaError(error)) {
        this.giveUp(error, 'no restart can mend it');
        return;
      }
      this.scheduleRestart(error);
    });
    // Back in the group: the restart worked, the next crash starts the back-off afresh.
    consumer.on(consumer.events.GROUP_JOIN, () => void (this.failedRestarts = 0));
  }

  /** Set once the consumer stopped for good. */
  get error(): LogpipeError | undefined {
    return this.fatal;
  }

  /** How many times this watch restarted the consumer. */
  get restartCount(): number {
    return this.restarts;
  }

  /** No restarts from now on (the service is stopping). */
  close(): void {
    this.closed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
  }

  private scheduleRestart(error: Error): void {
    if (this.failedRestarts >= MAX_FAILED_RESTARTS) {
      this.giveUp(error, `${MAX_FAILED_RESTARTS} restarts in a row did not bring it back into its group`);
      return;
    }
    const delayMs = Math.min(MAX_RESTART_DELAY_MS, FIRST_RESTART_DELAY_MS * 2 ** this.failedRestarts);
    this.failedRestarts++;
    this.logger.warn({ groupId: this.groupId, delayMs, attempt: this.failedRestarts, err: { name: error.name, message: error.message } }, 'Consumer stopped on an error kafkajs does not retry; restarting it');
    this.timer = setTimeout(() => {
      this.timer = undefined;
      if (this.closed) return;
      this.restarts++;
      this.onRestart();
      this.restart().catch((err: unknown) => {
        if (!this.closed) this.scheduleRestart(err instanceof Error ? err : new Error(String(err)));
      });
    }, delayMs);
  }

  private giveUp(error: Error, why: string): void {
    this.fatal = new LogpipeError('RUNNER_CONSUMER_CRASHED', `consumer of group ${this.groupId} stopped for good (${error.name}: ${error.message}; ${why}); exiting so the instance is restarted`, { cause: error });
    this.logger.error({ groupId: this.groupId, err: { name: error.name, message: error.message } }, this.fatal.message);
  }
}

/**
 * The restart of a consumer that crashed: kafkajs has disconnected it (or a restart failed half
 * way, leaving it half running); disconnect, connect and run it again with its first run's config.
 * Subscriptions stay: kafkajs keeps them across a disconnect.
 */
export function rerunConsumer(consumer: Consumer, config: ConsumerRunConfig): () => Promise<void> {
  return async () => {
    await consumer.disconnect().catch(() => undefined);
    await consumer.connect();
    await consumer.run(config);
  };
}
