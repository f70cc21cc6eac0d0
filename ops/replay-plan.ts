import type { Admin } from 'kafkajs';
import { fetchCommittedOffsets } from '../lib/kafka';

/** Where a replay moves a group: the beginning, an absolute time, or a duration back from now. */
export type ReplayTarget = { readonly kind: 'earliest' } | { readonly kind: 'time'; readonly epochMs: number };

export interface PartitionMove {
  readonly topic: string;
  readonly partition: number;
  /** Committed offset now; -1 when the group has none. */
  readonly current: number;
  readonly target: number;
  /** Records consumed again (or for the first time) from the target to the end. */
  readonly toReprocess: number;
}

/** Per partition of `topic`: the group's committed offset, the target offset and what lies between. */
export async function planMoves(admin: Admin, groupId: string, topic: string, target: ReplayTarget): Promise<PartitionMove[]> {
  const ends = await admin.fetchTopicOffsets(topic);
  const committed = await fetchCommittedOffsets(admin, groupId, topic);
  const byTime = target.kind === 'time' ? new Map((await admin.fetchTopicOffsetsByTimestamp(topic, target.epochMs)).map((e) => [e.partition, Number(e.offset)])) : undefined;
  return ends
    .map((p) => {
      const low = Number(p.low);
      const high = Number(p.high);
      // A time after the last record: Kafka answers -1 (or the end); the target is then the end.
      const fromTime = byTime?.get(p.partition);
      const targetOffset = byTime === undefined ? low : fromTime === undefined || fromTime < 0 ? high : Math.max(low, fromTime);
      const current = committed.get(p.partition) ?? -1;
      return { topic, partition: p.partition, current, target: targetOffset, toReprocess: Math.max(0, high - targetOffset) };
    })
    .sort((a, b) => a.partition - b.partition);
}

/** Live members of a group, as `client-id (host)`; empty when the group is idle or unknown. */
export async function liveMembers(admin: Admin, groupId: string): Promise<string[]> {
  const { groups } = await admin.describeGroups([groupId]);
  const group = groups.find((g) => g.groupId === groupId);
  if (group === undefined || group.state === 'Empty' || group.state === 'Dead') return [];
  return group.members.map((m) => `${m.clientId} (${m.clientHost.replace(/^\//, '')})`);
}
