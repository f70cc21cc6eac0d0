import { Kafka, logLevel } from 'kafkajs';
import { AvroCodec } from '../../lib/codec';
import { LOG_RECORD_SCHEMA } from '../../lib/records';
import { buildLogRecord } from '../../services/producer/build-log-record';
import { SyntheticLogs } from '../../services/producer/load/synthetic-logs';
import { testEnricher } from '../../test/harness/test-enricher';
import type { ScenarioContext } from './scenario';

/** A topic of Avro EnrichedRecords, published once per run for the scenarios downstream of the enricher. */
export interface EnrichedInput {
  readonly topic: string;
  readonly records: number;
  readonly ends: ReadonlyMap<number, number>;
  readonly perPartition: readonly number[];
  /** The framed values in publication order (for baselines that re-encode them). */
  readonly values: readonly Buffer[];
  readonly avroBytesPerRecord: number;
}

export interface EnrichedInputOptions {
  readonly prefix: string;
  readonly records: number;
  readonly partitions: number;
  /** Node keys of the synthetic records. */
  readonly nodes: number;
  /** Event time of record i, microseconds. */
  readonly timestampMicros: (i: number) => number;
  readonly errorRatio?: number;
  readonly warningRatio?: number;
}

const PUBLISH_CHUNK = 500;

/**
 * Synthetic LogRecords (`--seed`) enriched by the enricher's own RecordProcessor (GeoIP City test
 * database), published in chunks small enough for one produce request, keyed by node.
 */
export async function publishEnrichedInput(context: Pick<ScenarioContext, 'topics' | 'brokers' | 'seed'>, o: EnrichedInputOptions, codec = new AvroCodec()): Promise<EnrichedInput> {
  const enrich = testEnricher(codec);
  const logs = new SyntheticLogs({ seed: context.seed, nodes: o.nodes, errorRatio: o.errorRatio ?? 0.05, warningRatio: o.warningRatio ?? 0.15, service: 'storage-node', version: '1.0.0' });
  const messages: Array<{ key: string; value: Buffer }> = [];
  let avroBytes = 0;
  for (let i = 0; i < o.records; i++) {
    const { call, origin } = logs.next();
    const record = buildLogRecord({ ...call, timestampMicros: o.timestampMicros(i) }, origin);
    const { message } = enrich.process(Buffer.from(origin.nodeId), codec.encode(LOG_RECORD_SCHEMA, record), { topic: 'raw', partition: 0, offset: String(i) });
    avroBytes += message.value.length;
    messages.push({ key: origin.nodeId, value: message.value });
  }
  const topic = await context.topics.create(o.prefix, o.partitions);
  const kafka = new Kafka({ clientId: 'logpipe-bench-input', brokers: [...context.brokers], logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  try {
    for (let i = 0; i < messages.length; i += PUBLISH_CHUNK) await producer.send({ topic, messages: messages.slice(i, i + PUBLISH_CHUNK) });
  } finally {
    await producer.disconnect();
  }
  const ends = await context.topics.endOffsets(topic);
  const stored = [...ends.values()].reduce((s, n) => s + n, 0);
  if (stored !== o.records) throw new Error(`${o.prefix}: input topic ${topic} holds ${stored} records, expected ${o.records}`);
  const perPartition = [...ends.entries()].sort((a, b) => a[0] - b[0]).map(([, n]) => n);
  return { topic, records: o.records, ends, perPartition, values: messages.map((m) => m.value), avroBytesPerRecord: avroBytes / o.records };
}
