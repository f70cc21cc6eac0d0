import { performance } from 'node:perf_hooks';
import { Kafka, logLevel } from 'kafkajs';
import { AvroCodec } from '../../lib/codec';
import { LOG_RECORD_SCHEMA } from '../../lib/records';
import { buildLogRecord } from '../../services/producer/build-log-record';
import { SyntheticLogs } from '../../services/producer/load/synthetic-logs';
import { consumerPerformanceArgs, installKafkaTools, javaExecutable, runConsumerPerformance } from '../../stack/kafka-tools';
import { compare, repeat, type Measurement, type Variant } from '../lib/runner';
import type { Scenario, ScenarioContext, ScenarioResult } from '../lib/scenario';

const PARTITIONS = 3;
const NODES = 12;
const PUBLISH_CHUNK = 1_000;
const SIZES = {
  full: { records: 200_000, repetitions: 3 },
  quick: { records: 5_000, repetitions: 2 },
} as const;

export const consumeScenario: Scenario = {
  name: 'consume',
  title: 'Consume + decode: kafkajs with the Avro codec vs Kafka ConsumerPerformance',
  description:
    'Records/s of a kafkajs consumer (the client every logpipe service consumes with) reading a topic of Avro LogRecords ' +
    `(${PARTITIONS} partitions, published once per run) from the beginning with a fresh group, decoding every value with \`AvroCodec\` ` +
    'and committing after each batch, timed from `connect()` until the last record is decoded. Baseline, same run, same broker: ' +
    "Kafka's own Java `ConsumerPerformance` reading the same records with a fresh group (its `nMsg.sec`: from its start, join included, to the last record; no decoding).",
  run: runConsume,
};

async function runConsume(context: ScenarioContext): Promise<ScenarioResult> {
  const started = performance.now();
  const size = context.quick ? SIZES.quick : SIZES.full;
  const repetitions = context.repetitions ?? size.repetitions;
  const libDir = await installKafkaTools(context.log);
  const java = javaExecutable();
  const { topic, meanValueBytes } = await publishRawInput(context, size.records);
  context.log(`  ${size.records} LogRecords in ${topic}, ${meanValueBytes.toFixed(1)} bytes per value on average`);

  let groups = 0;
  const variants: Variant[] = [
    { id: 'kafkajs', label: 'kafkajs consume + Avro decode + commit', unit: 'records/s', run: () => consumeDecodeOnce(context, topic, size.records, `bench-consume-${process.pid}-${groups++}`) },
    {
      id: 'java',
      label: 'Java ConsumerPerformance',
      unit: 'records/s',
      run: async () => {
        const group = `bench-consume-java-${process.pid}-${groups++}`;
        const r = await runConsumerPerformance(java, { libDir, topic, records: size.records, brokers: context.brokers, group, timeoutMs: 5 * 60_000 });
        await context.topics.deleteGroups([group]);
        if (r.records < size.records) throw new Error(`ConsumerPerformance read ${r.records} of ${size.records} records`);
        return { value: r.recordsPerSecond, extra: { fetchRecordsPerSecond: r.fetchRecordsPerSecond, rebalanceMs: r.rebalanceMs } };
      },
    },
  ];
  const series = await repeat(variants, { repetitions, warmup: true, log: context.log, profile: context.profile });
  const comparison = compare('consume + decode: kafkajs vs Java ConsumerPerformance', series, 'kafkajs', 'java');
  context.log(`  ratio kafkajs/java: ${comparison.ratio.median.toFixed(2)} (${comparison.ratio.min.toFixed(2)}–${comparison.ratio.max.toFixed(2)})`);
  return {
    name: consumeScenario.name,
    title: consumeScenario.title,
    description: consumeScenario.description,
    parameters: { records: size.records, repetitions, partitions: PARTITIONS, syntheticNodes: NODES, meanValueBytes: Math.round(meanValueBytes * 10) / 10, seed: context.seed },
    series: [...series.values()],
    comparisons: [comparison],
    baselineCommands: [`java ${consumerPerformanceArgs({ libDir: '<kafka-tools lib>', topic: '<topic>', records: size.records, brokers: context.brokers, group: '<fresh group>' }).join(' ')}`],
    notes: [
      'ConsumerPerformance does not decode (it counts bytes); ours decodes every value into a LogRecord, which is what a service must do.',
      "Each Java repetition starts a fresh JVM, but its clock starts inside the tool after the JVM is up; `rebalanceMs` is its time to join the group, `fetchRecordsPerSecond` its rate after that.",
    ],
    seconds: (performance.now() - started) / 1000,
  };
}

/** Synthetic LogRecords (`--seed`), Avro single-object framed, keyed by node, published once per run. */
async function publishRawInput(context: ScenarioContext, records: number): Promise<{ topic: string; meanValueBytes: number }> {
  const codec = new AvroCodec();
  const logs = new SyntheticLogs({ seed: context.seed, nodes: NODES, errorRatio: 0.05, warningRatio: 0.15, service: 'storage-node', version: '1.0.0' });
  const topic = await context.topics.create('consume-input', PARTITIONS);
  const kafka = new Kafka({ clientId: 'logpipe-bench-input', brokers: [...context.brokers], logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  await producer.connect();
  let bytes = 0;
  try {
    for (let i = 0; i < records; i += PUBLISH_CHUNK) {
      const messages = Array.from({ length: Math.min(PUBLISH_CHUNK, records - i) }, () => {
        const { call, origin } = logs.next();
        const value = codec.encode(LOG_RECORD_SCHEMA, buildLogRecord(call, origin));
        bytes += value.length;
        return { key: origin.nodeId, value };
      });
      await producer.send({ topic, messages });
    }
  } finally {
    await producer.disconnect();
  }
  const stored = await context.topics.countRecords(topic);
  if (stored !== records) throw new Error(`consume: input topic ${topic} holds ${stored} records, expected ${records}`);
  return { topic, meanValueBytes: bytes / records };
}

async function consumeDecodeOnce(context: ScenarioContext, topic: string, records: number, groupId: string): Promise<Measurement> {
  const codec = new AvroCodec();
  const kafka = new Kafka({ clientId: 'logpipe-bench-consume', brokers: [...context.brokers], logLevel: logLevel.NOTHING });
  const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000 });
  let decoded = 0;
  let firstBatchAt = 0;
  const t0 = performance.now();
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    const done = new Promise<number>((resolve) => {
      void consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          if (firstBatchAt === 0) firstBatchAt = performance.now();
          for (const m of batch.messages) if (m.value !== null && codec.decode(m.value, LOG_RECORD_SCHEMA).value !== undefined) decoded++;
          await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(batch.lastOffset()) + 1n).toString() }]);
          if (decoded >= records) resolve(performance.now());
        },
      });
    });
    const end = await Promise.race([done, new Promise<number>((_, reject) => setTimeout(() => reject(new Error(`consume: decoded ${decoded} of ${records} in 5 minutes`)), 5 * 60_000).unref())]);
    return { value: records / ((end - t0) / 1000), extra: { fetchRecordsPerSecond: records / ((end - firstBatchAt) / 1000), joinMs: firstBatchAt - t0 } };
  } finally {
    await consumer.disconnect();
    await context.topics.deleteGroups([groupId]);
  }
}
