import type { Admin } from 'kafkajs';
import { isRetriableKafkaError } from './retriable-kafka-error';

/** A group's committed offset of one partition (-1: none yet) and the metadata stored with it. */
export interface CommittedPosition {
  readonly offset: number;
  readonly metadata: string | null;
}

/**
 * What a consumer group has committed on a topic's partitions.
 *
 * Just after a broker starts, the group coordinator may still be loading `__consumer_offsets`
 * and the admin's OffsetFetch answers NOT_COORDINATOR or COORDINATOR_LOAD_IN_PROGRESS, which
 * kafkajs's admin does not retry: retriable errors are retried here until `timeoutMs`.
 */
export async function fetchCommittedPositions(admin: Admin, groupId: string, topic: string, timeoutMs = 30_000): Promise<Map<number, CommittedPosition>> {
  const deadline = Date.now() + timeoutMs;
  for (let attempt = 0; ; attempt++) {
    try {
      const [entry] = await admin.fetchOffsets({ groupId, topics: [topic] });
      return new Map((entry?.partitions ?? []).map((p) => [p.partition, { offset: Number(p.offset), metadata: p.metadata }]));
    } catch (err) {
      if (!isRetriableKafkaError(err) || Date.now() >= deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, 100 * 2 ** attempt)));
    }
  }
}

/** Offsets a consumer group has committed on a topic's partitions (-1: none yet). */
export async function fetchCommittedOffsets(admin: Admin, groupId: string, topic: string, timeoutMs = 30_000): Promise<Map<number, number>> {
  const positions = await fetchCommittedPositions(admin, groupId, topic, timeoutMs);
  return new Map([...positions].map(([partition, p]) => [partition, p.offset]));
}

/** Records a group has committed past on a topic: the sum of its committed offsets. */
export function committedTotal(offsets: ReadonlyMap<number, number>): number {
  let sum = 0;
  for (const offset of offsets.values()) sum += Math.max(0, offset);
  return sum;
}

/** Partitions of `topic` holding records the group has not committed past yet. */
export async function partitionsBehind(admin: Admin, groupId: string, topic: string): Promise<Set<number>> {
  const [ends, committed] = await Promise.all([admin.fetchTopicOffsets(topic), fetchCommittedOffsets(admin, groupId, topic)]);
  const behind = new Set<number>();
  for (const end of ends) {
    const position = Math.max(committed.get(end.partition) ?? -1, Number(end.low));
    if (Number(end.high) > position) behind.add(end.partition);
  }
  return behind;
}
