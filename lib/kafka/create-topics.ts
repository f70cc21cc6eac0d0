import { KafkaJSError, type Admin, type ITopicConfig } from 'kafkajs';
import type { Logger } from '../telemetry';
import { retryWhileTransient } from './retry-while-transient';

/**
 * Creates the topics that do not exist yet and returns once every partition of every one has a
 * leader. kafkajs's own `waitForLeaders` gives up on the first metadata answer that does not know
 * a new topic yet (UNKNOWN_TOPIC_OR_PARTITION), which a busy broker gives for a moment; both the
 * creation and the wait are retried while the trouble is a passing one (60 s).
 */
export async function createTopicsAndWait(admin: Admin, topics: readonly ITopicConfig[], logger: Logger): Promise<void> {
  if (topics.length === 0) return;
  const names = topics.map((t) => t.topic);
  const retry = { logger };
  // A repeated create after a lost answer finds the topics there: kafkajs returns false then.
  await retryWhileTransient(`Creating ${names.join(', ')}`, () => admin.createTopics({ topics: [...topics], waitForLeaders: false, timeout: 30_000 }), retry);
  await retryWhileTransient(
    `Waiting for the partition leaders of ${names.join(', ')}`,
    async () => {
      const { topics: found } = await admin.fetchTopicMetadata({ topics: names });
      for (const name of names) {
        const partitions = found.find((t) => t.name === name)?.partitions ?? [];
        if (partitions.length === 0 || partitions.some((p) => p.leader < 0)) throw new KafkaJSError(`${name} has no leader for every partition yet`, { retriable: true });
      }
    },
    retry,
  );
}
