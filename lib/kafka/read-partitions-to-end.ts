import crypto from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';
import type { Logger } from '../telemetry';
import { retryWhileTransient } from './retry-while-transient';

/**
 * Reads the committed records of some partitions of a topic from the beginning up to the end
 * offsets taken at the start (read_committed: a transaction still open at the end blocks until
 * it commits or aborts, as it must for a state restore). kafkajs cannot assign partitions
 * without a group, so a throwaway group is used and deleted afterwards.
 */
export async function readPartitionsToEnd(kafka: Kafka, topic: string, partitions: readonly number[], logger: Logger, timeoutMs = 150_000): Promise<Map<number, KafkaMessage[]>> {
  const result = new Map<number, KafkaMessage[]>(partitions.map((p) => [p, []]));
  const admin = kafka.admin();
  await admin.connect();
  try {
    const ends = await admin.fetchTopicOffsets(topic);
    const pending = new Map<number, bigint>();
    for (const p of ends) {
      if (result.has(p.partition) && BigInt(p.high) > BigInt(p.low)) pending.set(p.partition, BigInt(p.high) - 1n);
    }
    if (pending.size === 0) return result;
    const groupId = `logpipe-restore-${crypto.randomUUID()}`;
    const consumer = kafka.consumer({ groupId, readUncommitted: false, maxBytesPerPartition: 10 * 1024 * 1024, maxWaitTimeInMs: 200 });
    let finish: () => void = () => undefined;
    const done = new Promise<void>((resolve) => (finish = resolve));
    // END_BATCH_PROCESS also reports batches holding only transaction markers or aborted records,
    // which eachBatch never sees: the way to know a partition's end was passed.
    consumer.on(consumer.events.END_BATCH_PROCESS, (e) => {
      const last = pending.get(e.payload.partition);
      if (last !== undefined && BigInt(e.payload.lastOffset) >= last) {
        pending.delete(e.payload.partition);
        if (pending.size === 0) finish();
      }
    });
    await consumer.connect();
    try {
      await consumer.subscribe({ topic, fromBeginning: true });
      await consumer.run({
        eachBatchAutoResolve: true,
        eachBatch: async ({ batch }) => {
          const list = result.get(batch.partition);
          if (list !== undefined) for (const m of batch.messages) list.push(m);
        },
      });
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`reading ${topic} partitions ${[...pending.keys()].join(', ')} to their end took over ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        await Promise.race([done, timedOut]);
      } finally {
        clearTimeout(timer);
      }
    } finally {
      await consumer.disconnect();
      await admin.deleteGroups([groupId]).catch((err: unknown) => logger.debug({ groupId, err: (err as Error).message }, 'Could not delete the restore group'));
    }
    return result;
  } finally {
    await admin.disconnect();
  }
}

/** Every partition of `topic`, read to its end as `readPartitionsToEnd` does (the CLI's listings). */
export async function readTopicToEnd(kafka: Kafka, topic: string, logger: Logger, timeoutMs?: number): Promise<Map<number, KafkaMessage[]>> {
  const admin = kafka.admin();
  await admin.connect();
  let partitions: number[];
  try {
    partitions = (await retryWhileTransient(`Reading the partitions of ${topic}`, () => admin.fetchTopicMetadata({ topics: [topic] }), { logger })).topics[0]?.partitions.map((p) => p.partitionId) ?? [];
  } finally {
    await admin.disconnect();
  }
  return readPartitionsToEnd(kafka, topic, partitions, logger, timeoutMs);
}
