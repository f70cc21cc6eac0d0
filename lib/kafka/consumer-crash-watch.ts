import type { Consumer } from 'kafkajs';
import { LogpipeError } from '../errors';
import type { Logger } from '../telemetry';

/**
 * kafkajs restarts a crashed consumer only after retriable errors; after any other it stays
 * stopped while the process lives on, holding no partitions: an instance that looks alive
 * and consumes nothing. This turns such a crash into a fatal error the service exits on, so
 * its supervisor restarts it and the group's other members take over meanwhile.
 */
export class ConsumerCrashWatch {
  private fatal: LogpipeError | undefined;

  constructor(consumer: Consumer, groupId: string, logger: Logger) {
    consumer.on(consumer.events.CRASH, (e) => {
      const { error, restart } = e.payload as { error: Error; restart: boolean };
      if (restart) {
        logger.warn({ groupId, err: { name: error.name, message: error.message } }, 'Consumer crashed on a transient error; kafkajs restarts it');
        return;
      }
      this.fatal = new LogpipeError('RUNNER_CONSUMER_CRASHED', `consumer of group ${groupId} stopped for good (${error.name}: ${error.message}); exiting so the instance is restarted`, { cause: error });
      logger.error({ groupId, err: { name: error.name, message: error.message } }, this.fatal.message);
    });
  }

  /** Set once the consumer stopped for good. */
  get error(): LogpipeError | undefined {
    return this.fatal;
  }
}
