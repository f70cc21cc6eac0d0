import { parseArgs } from 'node:util';
import { createTopicsAndWait } from '../lib/kafka';
import { createLogger } from '../lib/telemetry';
import { columns, connectAdmin, durationMs, OpsUsageError } from './kafka-admin';
import { PIPELINE_TOPICS } from './pipeline-topology';

export const TOPICS_USAGE = `Usage: logpipe topics create|describe [options]

create    creates the pipeline's topics that do not exist yet (idempotent)
describe  partitions, replication and settings of the pipeline's topics

  --partitions N          per topic (default 6)
  --replication-factor R  (default: 3, or the number of brokers when fewer)
  --retention D           of logs.raw and logs.enriched, e.g. 7d (default 7d; dead letters,
                          alerts and summaries keep 30d)
  --brokers LIST          (default $KAFKA_BROKERS or 127.0.0.1:9092)`;

export async function runTopics(argv: readonly string[], out: (line: string) => void): Promise<number> {
  const [sub, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: { partitions: { type: 'string', default: '6' }, 'replication-factor': { type: 'string' }, retention: { type: 'string' }, brokers: { type: 'string' } },
  });
  if (sub !== 'create' && sub !== 'describe') throw new OpsUsageError(`expected create or describe, not ${JSON.stringify(sub ?? '')}\n${TOPICS_USAGE}`);
  const partitions = Number(values.partitions);
  if (!Number.isInteger(partitions) || partitions < 1) throw new OpsUsageError(`--partitions takes a positive integer, not ${JSON.stringify(values.partitions)}`);
  const retention = values.retention === undefined ? undefined : durationMs(values.retention, '--retention');
  const { admin } = await connectAdmin(values.brokers);
  try {
    const brokers = (await admin.describeCluster()).brokers.length;
    const replication = values['replication-factor'] === undefined ? Math.min(3, brokers) : Number(values['replication-factor']);
    if (!Number.isInteger(replication) || replication < 1 || replication > brokers) throw new OpsUsageError(`--replication-factor must be 1..${brokers} (brokers in the cluster), not ${JSON.stringify(values['replication-factor'])}`);
    const existing = new Set(await admin.listTopics());
    if (sub === 'create') {
      const missing = PIPELINE_TOPICS.filter((t) => !existing.has(t.name));
      if (missing.length > 0) {
        await createTopicsAndWait(
          admin,
          missing.map((t) => ({
            topic: t.name,
            numPartitions: partitions,
            replicationFactor: replication,
            configEntries: [
              { name: 'retention.ms', value: String(retention !== undefined && (t.name === 'logs.raw' || t.name === 'logs.enriched') ? retention : t.retentionMs) },
              { name: 'cleanup.policy', value: t.cleanupPolicy },
              // One replica may be down and writes with acks=all still succeed; never more than the replicas.
              { name: 'min.insync.replicas', value: String(Math.max(1, Math.min(2, replication - 1))) },
            ],
          })),
          createLogger({ name: 'logpipe-cli', level: 'silent' }),
        );
      }
      for (const t of PIPELINE_TOPICS) out(`${t.name}: ${missing.includes(t) ? `created (${partitions} partitions, replication ${replication})` : 'exists, left as it is'}`);
      return 0;
    }
    const present = PIPELINE_TOPICS.filter((t) => existing.has(t.name));
    const metadata = present.length === 0 ? { topics: [] } : await admin.fetchTopicMetadata({ topics: present.map((t) => t.name) });
    const configs = present.length === 0 ? { resources: [] } : await admin.describeConfigs({ includeSynonyms: false, resources: present.map((t) => ({ type: 2, name: t.name, configNames: ['retention.ms', 'cleanup.policy', 'min.insync.replicas'] })) });
    const rows: Array<Array<string | number>> = [['TOPIC', 'PARTITIONS', 'REPLICATION', 'RETENTION', 'CLEANUP', 'MIN.ISR', 'PURPOSE']];
    for (const t of PIPELINE_TOPICS) {
      const meta = metadata.topics.find((m) => m.name === t.name);
      const entries = configs.resources.find((r) => r.resourceName === t.name)?.configEntries ?? [];
      const config = (name: string) => entries.find((e) => e.configName === name)?.configValue ?? '-';
      if (meta === undefined) rows.push([t.name, 'missing', '-', '-', '-', '-', t.purpose]);
      else {
        const retentionMs = Number(config('retention.ms'));
        rows.push([t.name, meta.partitions.length, meta.partitions[0]?.replicas.length ?? 0, retentionMs < 0 ? 'forever' : `${Math.round(retentionMs / 3_600_000)}h`, config('cleanup.policy'), config('min.insync.replicas'), t.purpose]);
      }
    }
    for (const line of columns(rows)) out(line);
    return present.length === PIPELINE_TOPICS.length ? 0 : 1;
  } finally {
    await admin.disconnect();
  }
}
