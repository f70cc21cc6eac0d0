import type { Admin } from 'kafkajs';
import { isRetriableKafkaError } from './retriable-kafka-error';

/**
 * Offsets a consumer group has committed on a topic's partitions (-1: none yet).
 *
 * Just after a broker starts, the group coordinator may still be loading `__consumer_offsets`
 * and the admin's OffsetFetch answers NOT_COORDINATOR or COORDINATOR_LOAD_IN_PROGRESS, which
 * kafkajs's admin does not retry: retriable errors are retried here until `timeoutMs`.
 */
export async function fetchCommittedOffsets(admin: Admin, groupId: string, topic: string, timeoutMs = 30_000): Promise<Map<number, number>> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
      return new Map((entry?.partitions ?? []).map((p) => [p.partition, Number(p.offset)]));
    } catch (err) {
      if (!isRetriableKafkaError(err) || Date.now() >= deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, 100 * 2 ** attempt)));
    }
  }
}

/** Records a group has committed past on a topic: the sum of its committed offsets. */
export function committedTotal(offsets: ReadonlyMap<number, number>): number {
  let sum = 0;
  for (const offset of offsets.values()) sum += Math.max(0, offset);
  return sum;
}
