import { parseArgs } from 'node:util';
import { columns, connectAdmin, durationMs, OpsUsageError } from './kafka-admin';
import { SERVICES, serviceGroups, type ServiceName } from './pipeline-topology';
import { liveMembers, planMoves, type PartitionMove, type ReplayTarget } from './replay-plan';

export const REPLAY_USAGE = `Usage: logpipe replay <service> (--to-earliest | --to-datetime T | --by-duration D) [options]

Moves a service's consumer group so that it processes its input again. The service must be
stopped (the command refuses while the group has live members and names them); start it
again afterwards. Downstream stays free of duplicates: Elasticsearch by _id, Loki by identical
entries, the analyzer by deterministic alert ids (its internal state is reset and recomputed).

  <service>          enricher, sink-es, sink-loki or analyzer
  --to-earliest      from the oldest record still in the topic
  --to-datetime T    from the first record at or after T (ISO-8601)
  --by-duration D    from D before now, e.g. 2h, 30m, 7d
  --topic T          the input topic, when not the service's default (or only this one of them)
  --group G          the group, when not the service's default
  --dry-run          print, per partition, current -> target offset and records to reprocess
  --brokers LIST     (default $KAFKA_BROKERS or 127.0.0.1:9092)

Exit codes: 0 moved (or dry run), 1 refused or failed, 2 bad usage.`;

export async function runReplay(argv: readonly string[], out: (line: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      'to-earliest': { type: 'boolean', default: false },
      'to-datetime': { type: 'string' },
      'by-duration': { type: 'string' },
      topic: { type: 'string' },
      group: { type: 'string' },
      'dry-run': { type: 'boolean', default: false },
      brokers: { type: 'string' },
    },
  });
  const service = positionals[0] as ServiceName | undefined;
  if (service === undefined || !SERVICES.includes(service)) throw new OpsUsageError(`expected a service (${SERVICES.join(', ')}), not ${JSON.stringify(positionals[0] ?? '')}`);
  const target = replayTarget(values);
  const groups = serviceGroups(service, values.group);
  const topics = values.topic === undefined ? groups.topics : [values.topic];

  const { admin } = await connectAdmin(values.brokers);
  try {
    for (const groupId of [groups.groupId, ...groups.derivedGroups]) {
      const members = await liveMembers(admin, groupId);
      if (members.length > 0) {
        out(`Refusing: group ${groupId} has ${members.length} live member${members.length > 1 ? 's' : ''}: ${members.join(', ')}. Stop ${service} first.`);
        return 1;
      }
    }
    const existing = new Set(await admin.listTopics());
    const moves: PartitionMove[] = [];
    for (const topic of topics) {
      if (!existing.has(topic)) {
        out(`Topic ${topic} does not exist.`);
        return 1;
      }
      moves.push(...(await planMoves(admin, groups.groupId, topic, target)));
    }
    const rows: Array<Array<string | number>> = [['TOPIC', 'PARTITION', 'CURRENT', '', 'TARGET', 'TO REPROCESS']];
    for (const m of moves) rows.push([m.topic, m.partition, m.current < 0 ? 'none' : m.current, '->', m.target, m.toReprocess]);
    for (const line of columns(rows)) out(line);
    const total = moves.reduce((n, m) => n + m.toReprocess, 0);
    const derived = groups.derivedTopics.length > 0 ? `; reset ${[...groups.derivedGroups, ...groups.derivedTopics].join(', ')} (state recomputed from the input)` : '';
    if (values['dry-run']) {
      out(`Dry run: group ${groups.groupId} would reprocess ${total} records${derived}. Nothing changed.`);
      return 0;
    }
    for (const topic of topics) {
      await admin.setOffsets({ groupId: groups.groupId, topic, partitions: moves.filter((m) => m.topic === topic).map((m) => ({ partition: m.partition, offset: String(m.target) })) });
    }
    if (groups.derivedGroups.length > 0) await admin.deleteGroups([...groups.derivedGroups]).catch(() => undefined);
    const derivedExisting = groups.derivedTopics.filter((t) => existing.has(t));
    if (derivedExisting.length > 0) await admin.deleteTopics({ topics: derivedExisting });
    out(`Moved group ${groups.groupId}: ${total} records will be processed again${derived}. Start ${service} to replay.`);
    return 0;
  } finally {
    await admin.disconnect();
  }
}

function replayTarget(values: { 'to-earliest'?: boolean; 'to-datetime'?: string | undefined; 'by-duration'?: string | undefined }): ReplayTarget {
  const given = [values['to-earliest'] === true, values['to-datetime'] !== undefined, values['by-duration'] !== undefined].filter(Boolean).length;
  if (given !== 1) throw new OpsUsageError('give exactly one of --to-earliest, --to-datetime T, --by-duration D');
  if (values['to-earliest'] === true) return { kind: 'earliest' };
  if (values['to-datetime'] !== undefined) {
    const epochMs = Date.parse(values['to-datetime']);
    if (!Number.isFinite(epochMs)) throw new OpsUsageError(`--to-datetime ${JSON.stringify(values['to-datetime'])} is not an ISO-8601 time`);
    return { kind: 'time', epochMs };
  }
  return { kind: 'time', epochMs: Date.now() - durationMs(values['by-duration'] as string, '--by-duration') };
}
