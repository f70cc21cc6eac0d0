import { parseArgs } from 'node:util';
import type { KafkaMessage } from 'kafkajs';
import { readDeadLetterHeaders } from '../lib/dead-letter';
import { readTopicToEnd } from '../lib/kafka';
import { createLogger } from '../lib/telemetry';
import { columns, connectAdmin, OpsUsageError } from './kafka-admin';

export const DLQ_USAGE = `Usage: logpipe dlq list|republish [options]

list       the dead-letter records: where each came from, the stage, the code and the reason
republish  sends selected records' original bytes back to their source topic, once the cause
           is fixed (a new enricher, a corrected mapping...); each is marked with a
           logpipe.republished.from header

  --code C          only records with this error code (repeatable)
  --stage S         only records of this stage: decode, validate, enrich, sink-es, sink-loki, analyzer
  --offsets P:O,..  only these records (partition:offset of the dead-letter topic)
  --since T         only records dead-lettered at or after T (ISO-8601)
  --limit N         list: at most N, newest last (default 50)
  --json            list: one JSON object per line
  --dry-run         republish: say what would be sent, send nothing
  --topic T         the dead-letter topic (default logs.dlq)
  --brokers LIST    (default $KAFKA_BROKERS or 127.0.0.1:9092)`;

export interface DeadLetter {
  readonly partition: number;
  readonly offset: string;
  readonly stage: string;
  readonly code: string;
  readonly reason: string;
  readonly field: string | undefined;
  readonly sourceTopic: string | undefined;
  readonly sourcePartition: string | undefined;
  readonly sourceOffset: string | undefined;
  readonly time: string | undefined;
  readonly key: Buffer | null;
  readonly value: Buffer | null;
}

function toDeadLetter(partition: number, m: KafkaMessage): DeadLetter {
  const h = readDeadLetterHeaders(m.headers);
  return {
    partition,
    offset: m.offset,
    stage: h.stage ?? '?',
    code: h.code ?? '?',
    reason: h.reason ?? '',
    field: h.field,
    sourceTopic: h.sourceTopic,
    sourcePartition: h.sourcePartition,
    sourceOffset: h.sourceOffset,
    time: h.time,
    key: m.key,
    value: m.value,
  };
}

export async function runDlq(argv: readonly string[], out: (line: string) => void): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'list' && sub !== 'republish') throw new OpsUsageError(`expected list or republish, not ${JSON.stringify(sub ?? '')}\n${DLQ_USAGE}`);
  const { values } = parseArgs({
    args: rest,
    options: {
      code: { type: 'string', multiple: true },
      stage: { type: 'string' },
      offsets: { type: 'string' },
      since: { type: 'string' },
      limit: { type: 'string', default: '50' },
      json: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      topic: { type: 'string', default: 'logs.dlq' },
      brokers: { type: 'string' },
    },
  });
  const limit = Number(values.limit);
  if (!Number.isInteger(limit) || limit < 1) throw new OpsUsageError(`--limit takes a positive integer, not ${JSON.stringify(values.limit)}`);
  const since = values.since === undefined ? undefined : Date.parse(values.since);
  if (since !== undefined && !Number.isFinite(since)) throw new OpsUsageError(`--since ${JSON.stringify(values.since)} is not an ISO-8601 time`);
  const wanted = values.offsets === undefined ? undefined : new Set(values.offsets.split(',').map((s) => s.trim()));
  for (const w of wanted ?? []) if (!/^\d+:\d+$/.test(w)) throw new OpsUsageError(`--offsets expects partition:offset pairs, found ${JSON.stringify(w)}`);
  if (sub === 'republish' && values.code === undefined && values.stage === undefined && wanted === undefined && since === undefined) {
    throw new OpsUsageError('republish needs a selection: --offsets, --code, --stage or --since (re-publishing everything blindly repeats every failure)');
  }

  const { kafka, admin } = await connectAdmin(values.brokers);
  try {
    const read = await readTopicToEnd(kafka, values.topic, createLogger({ name: 'logpipe-cli', level: 'silent' }), 60_000);
    const selected = [...read]
      .flatMap(([partition, messages]) => messages.map((m) => toDeadLetter(partition, m)))
      .filter((d) => values.code === undefined || values.code.includes(d.code))
      .filter((d) => values.stage === undefined || d.stage === values.stage)
      .filter((d) => wanted === undefined || wanted.has(`${d.partition}:${d.offset}`))
      .filter((d) => since === undefined || (d.time !== undefined && Date.parse(d.time) >= since))
      .sort((a, b) => (a.time ?? '').localeCompare(b.time ?? '') || a.partition - b.partition || Number(a.offset) - Number(b.offset));

    if (sub === 'list') {
      const shown = selected.slice(-limit);
      if (values.json) for (const d of shown) out(JSON.stringify({ ...d, key: d.key?.toString('base64') ?? null, value: d.value?.toString('base64') ?? null }));
      else {
        const rows: Array<Array<string | number>> = [['DLQ', 'TIME', 'STAGE', 'CODE', 'SOURCE', 'REASON']];
        for (const d of shown) rows.push([`${d.partition}:${d.offset}`, d.time ?? '-', d.stage, d.code, `${d.sourceTopic ?? '?'}[${d.sourcePartition ?? '?'}]@${d.sourceOffset ?? '?'}`, d.reason]);
        for (const line of columns(rows)) out(line);
        out(`${shown.length} of ${selected.length} matching dead letters shown (${[...read.values()].reduce((n, l) => n + l.length, 0)} in ${values.topic}).`);
      }
      return 0;
    }

    const sendable = selected.filter((d) => d.sourceTopic !== undefined && d.value !== null);
    const skipped = selected.length - sendable.length;
    for (const d of sendable) out(`${values['dry-run'] ? 'would re-publish' : 're-publishing'} ${d.partition}:${d.offset} (${d.code}) to ${d.sourceTopic}`);
    if (!values['dry-run'] && sendable.length > 0) {
      const producer = kafka.producer({ idempotent: true });
      await producer.connect();
      try {
        const byTopic = new Map<string, DeadLetter[]>();
        for (const d of sendable) byTopic.set(d.sourceTopic as string, [...(byTopic.get(d.sourceTopic as string) ?? []), d]);
        for (const [topic, list] of byTopic) {
          for (let i = 0; i < list.length; i += 500) {
            await producer.send({
              topic,
              acks: -1,
              messages: list.slice(i, i + 500).map((d) => ({ key: d.key, value: d.value, headers: { 'logpipe.republished.from': `${values.topic}:${d.partition}:${d.offset}` } })),
            });
          }
        }
      } finally {
        await producer.disconnect();
      }
    }
    out(`${values['dry-run'] ? 'Dry run: would re-publish' : 'Re-published'} ${sendable.length} record${sendable.length === 1 ? '' : 's'}${skipped > 0 ? `; ${skipped} skipped (no source topic or no bytes)` : ''}.`);
    return 0;
  } finally {
    await admin.disconnect();
  }
}
