import { parseArgs } from 'node:util';
import { fetchCommittedOffsets } from '../lib/kafka';
import { columns, connectAdmin } from './kafka-admin';

export const LAG_USAGE = `Usage: logpipe lag [--group G]... [--json] [--brokers LIST]

Consumer lag per group, topic and partition: end offset minus committed offset.
Without --group: every group whose id starts with logpipe-.`;

export interface PartitionLag {
  readonly group: string;
  readonly topic: string;
  readonly partition: number;
  readonly committed: number;
  readonly end: number;
  readonly lag: number;
}

export async function runLag(argv: readonly string[], out: (line: string) => void): Promise<number> {
  const { values } = parseArgs({ args: [...argv], options: { group: { type: 'string', multiple: true }, json: { type: 'boolean', default: false }, brokers: { type: 'string' } } });
  const { admin } = await connectAdmin(values.brokers);
  try {
    const groups = values.group ?? (await admin.listGroups()).groups.map((g) => g.groupId).filter((g) => g.startsWith('logpipe-') && !g.startsWith('logpipe-restore-') && !g.startsWith('logpipe-alerts-tail-')).sort();
    const lags: PartitionLag[] = [];
    for (const group of groups) {
      const committedTopics = await admin.fetchOffsets({ groupId: group });
      for (const { topic } of committedTopics) {
        const committed = await fetchCommittedOffsets(admin, group, topic);
        for (const end of await admin.fetchTopicOffsets(topic)) {
          const c = committed.get(end.partition) ?? -1;
          const high = Number(end.high);
          // Without a commit the group would start from the beginning (logpipe's services do).
          lags.push({ group, topic, partition: end.partition, committed: c, end: high, lag: high - (c < 0 ? Number(end.low) : c) });
        }
      }
    }
    lags.sort((a, b) => a.group.localeCompare(b.group) || a.topic.localeCompare(b.topic) || a.partition - b.partition);
    if (values.json) for (const l of lags) out(JSON.stringify(l));
    else {
      const rows: Array<Array<string | number>> = [['GROUP', 'TOPIC', 'PARTITION', 'COMMITTED', 'END', 'LAG']];
      for (const l of lags) rows.push([l.group, l.topic, l.partition, l.committed < 0 ? 'none' : l.committed, l.end, l.lag]);
      for (const line of columns(rows)) out(line);
      const byGroup = new Map<string, number>();
      for (const l of lags) byGroup.set(l.group, (byGroup.get(l.group) ?? 0) + l.lag);
      for (const [group, total] of byGroup) out(`${group}: ${total} records behind`);
      if (groups.length === 0) out('No logpipe consumer groups found.');
    }
    return 0;
  } finally {
    await admin.disconnect();
  }
}
