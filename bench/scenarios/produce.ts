import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { AvroCodec } from '../../lib/codec';
import { LOG_RECORD_SCHEMA } from '../../lib/records';
import { createLogger, Registry } from '../../lib/telemetry';
import { buildLogRecord } from '../../services/producer/build-log-record';
import { SyntheticLogs, type SyntheticEntry } from '../../services/producer/load/synthetic-logs';
import { createLogCollector } from '../../services/producer/log-collector';
import { stackConfigFromEnv } from '../../stack/stack-config';
import { installKafkaTools, javaExecutable, producerPerformanceArgs, runProducerPerformance } from '../../stack/kafka-tools';
import { compare, repeat, type Measurement, type Variant } from '../lib/runner';
import type { Scenario, ScenarioContext, ScenarioResult } from '../lib/scenario';

const PARTITIONS = 3;
/** Distinct entries generated before timing and cycled, so the load generator is not measured. */
const POOL_SIZE = 10_000;
const NODES = 12;

const SIZES = {
  full: { records: 200_000, warmupRecords: 50_000, repetitions: 5 },
  quick: { records: 5_000, warmupRecords: 2_000, repetitions: 2 },
} as const;

export const produceScenario: Scenario = {
  name: 'produce',
  title: 'Producer throughput (acks=all, idempotent)',
  description:
    'Records/s of the log collector (`services/producer/log-collector.ts`, default options: acks=all, idempotent, ' +
    'one request in flight, linger 5 ms) publishing synthetic LogRecords (`SyntheticLogs`, Avro-encoded) as fast as ' +
    '`await collector.publish()` allows, into a fresh 3-partition topic, timed from the first publish to the `close()` ' +
    'report (every record acknowledged). Baseline: Kafka\'s own Java `ProducerPerformance` (acks=all, idempotent, ' +
    'otherwise default producer settings) on the same broker with the same record size (the mean encoded size of our records), ' +
    'in the same run. Also compares our `compression: \'gzip\'` with `\'none\'`.',
  run: runProduce,
};

async function runProduce(context: ScenarioContext): Promise<ScenarioResult> {
  const started = performance.now();
  const size = context.quick ? SIZES.quick : SIZES.full;
  const repetitions = context.repetitions ?? size.repetitions;
  const brokers = context.brokers;
  const libDir = await installKafkaTools(context.log);
  const javaBin = javaExecutable();

  const pool = syntheticPool(context.seed);
  const recordSize = Math.round(pool.meanValueBytes);
  context.log(`  ${POOL_SIZE} synthetic entries (seed ${context.seed}): ${pool.meanValueBytes.toFixed(1)} bytes per encoded value on average (${pool.minValueBytes}–${pool.maxValueBytes}); Java records get ${recordSize} bytes`);

  const recordsFor = (phase: 'warmup' | 'measure'): number => (phase === 'warmup' ? size.warmupRecords : size.records);
  const dataDir = path.join(stackConfigFromEnv().runDir, 'kafka', 'data');

  const verify = async (topic: string, expected: number, who: string): Promise<void> => {
    const stored = await context.topics.countRecords(topic);
    if (stored !== expected) throw new Error(`${who}: topic ${topic} holds ${stored} records, expected ${expected}`);
  };

  const java: Variant = {
    id: 'java',
    label: 'Java ProducerPerformance',
    unit: 'records/s',
    async run(phase) {
      const records = recordsFor(phase);
      const topic = await context.topics.create('produce-java', PARTITIONS);
      const result = await runProducerPerformance(javaBin, { libDir, topic, records, recordSize, brokers, timeoutMs: 10 * 60_000 });
      await verify(topic, records, 'ProducerPerformance');
      return {
        value: result.recordsPerSecond,
        extra: { mbPerSecond: result.mbPerSecond, p99LatencyMs: result.p99LatencyMs, ...diskExtra(dataDir, topic, records) },
      };
    },
  };
  const collector = (compression: 'none' | 'gzip'): Variant => ({
    id: `collector-${compression}`,
    label: `log collector, compression ${compression}`,
    unit: 'records/s',
    async run(phase) {
      const records = recordsFor(phase);
      const topic = await context.topics.create(`produce-${compression}`, PARTITIONS);
      const m = await publishWithCollector({ brokers, topic, compression, records, pool });
      await verify(topic, records, `collector (${compression})`);
      return { value: m.value, extra: { ...m.extra, ...diskExtra(dataDir, topic, records) } };
    },
  });

  const series = await repeat([java, collector('none'), collector('gzip')], { repetitions, warmup: true, log: context.log, profile: context.profile });
  // As run, with the repository's paths relative (`java` is the JDK that findJavaHome(17) picks).
  const repoRoot = path.resolve(__dirname, '..', '..');
  const shownLib = path.relative(repoRoot, libDir).startsWith('..') ? libDir : path.relative(repoRoot, libDir);
  const command = ['java', ...producerPerformanceArgs({ libDir: shownLib, topic: '<fresh 3-partition topic>', records: size.records, recordSize, brokers })]
    .map((a) => (/[\s*<>]/.test(a) ? `'${a}'` : a))
    .join(' ');
  return {
    name: produceScenario.name,
    title: produceScenario.title,
    description: produceScenario.description,
    parameters: {
      records: size.records,
      warmupRecords: size.warmupRecords,
      repetitions,
      partitions: PARTITIONS,
      recordSizeBytes: recordSize,
      meanEncodedValueBytes: Math.round(pool.meanValueBytes * 10) / 10,
      syntheticPool: POOL_SIZE,
      syntheticNodes: NODES,
      seed: context.seed,
    },
    series: [...series.values()],
    comparisons: [
      compare('produce: collector (none) vs Java', series, 'collector-none', 'java'),
      compare('produce: collector (gzip) vs Java', series, 'collector-gzip', 'java'),
      compare('produce: gzip vs none (collector)', series, 'collector-gzip', 'collector-none'),
    ],
    baselineCommands: [command],
    notes: [
      `Record size: our ${POOL_SIZE} synthetic entries encode to ${pool.meanValueBytes.toFixed(1)} bytes on average (${pool.minValueBytes}–${pool.maxValueBytes}), so ProducerPerformance sends ${recordSize}-byte values; ours also carry a key (\`node-1\`..\`node-${NODES}\`, the default partitioner spreads them), Java's have none (sticky partitioner).`,
      "ProducerPerformance's payload is random letters A-Z, and it runs uncompressed (the Java default); the gzip figure is ours only.",
      'Each Java repetition starts a fresh JVM (its figure includes JIT warm-up); ours run in one Node process after a warm-up, which slightly favours ours.',
      'Entries are generated before timing and cycled; building the LogRecord, Avro encoding, buffering and sending are timed.',
      '`bytesOnDiskPerRecord` sums the partitions\' `.log` segment files in the local broker\'s data directory (absent when the broker is not the local stack).',
    ],
    seconds: (performance.now() - started) / 1000,
  };
}

interface Pool {
  readonly entries: readonly SyntheticEntry[];
  /** Encoded value bytes of each entry (the timestamp varies by a byte at most). */
  readonly valueBytes: readonly number[];
  readonly meanValueBytes: number;
  readonly minValueBytes: number;
  readonly maxValueBytes: number;
}

function syntheticPool(seed: number): Pool {
  const logs = new SyntheticLogs({ seed, nodes: NODES, errorRatio: 0.05, warningRatio: 0.15, service: 'storage-node', version: '1.0.0' });
  const codec = new AvroCodec();
  const entries: SyntheticEntry[] = [];
  const valueBytes: number[] = [];
  let total = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = 0;
  for (let i = 0; i < POOL_SIZE; i++) {
    const entry = logs.next();
    const bytes = codec.encode(LOG_RECORD_SCHEMA, buildLogRecord(entry.call, entry.origin)).length;
    total += bytes;
    min = Math.min(min, bytes);
    max = Math.max(max, bytes);
    entries.push(entry);
    valueBytes.push(bytes);
  }
  return { entries, valueBytes, meanValueBytes: total / POOL_SIZE, minValueBytes: min, maxValueBytes: max };
}

interface PublishOptions {
  readonly brokers: readonly string[];
  readonly topic: string;
  readonly compression: 'none' | 'gzip';
  readonly records: number;
  readonly pool: Pool;
}

/** Publishes `records` entries with a fresh collector; records/s from the first publish to the close() report. */
async function publishWithCollector(o: PublishOptions): Promise<Measurement> {
  const registry = new Registry();
  const collector = createLogCollector(
    {
      nodeId: 'bench',
      service: 'storage-node',
      version: '1.0.0',
      topic: o.topic,
      kafka: { brokers: [...o.brokers], clientId: 'logpipe-bench' },
      compression: o.compression,
      closeOnSignals: false,
    },
    { logger: createLogger({ name: 'logpipe-bench', level: 'silent' }), registry },
  );
  const { entries, valueBytes } = o.pool;
  const count = entries.length;
  const started = performance.now();
  for (let i = 0; i < o.records; i++) {
    const entry = entries[i % count] as SyntheticEntry;
    await collector.publish(entry.call, entry.origin);
  }
  const report = await collector.close();
  const seconds = (performance.now() - started) / 1000;
  if (report.sent !== o.records || report.unsent + report.failed + report.dropped > 0) {
    throw new Error(`collector (${o.compression}) delivered ${report.sent} of ${o.records} records: ${JSON.stringify(report)}`);
  }
  const requests = await histogramTotals(registry, 'logpipe_producer_batch_records');
  const retries = await counterTotal(registry, 'logpipe_producer_send_retries_total');
  let bytes = 0;
  for (let i = 0; i < o.records; i++) bytes += valueBytes[i % count] as number;
  return {
    value: o.records / seconds,
    // MB as ProducerPerformance counts them: value bytes / 2^20.
    extra: { mbPerSecond: bytes / seconds / 1024 / 1024, recordsPerRequest: requests.count > 0 ? requests.sum / requests.count : Number.NaN, retries },
  };
}

async function histogramTotals(registry: Registry, name: string): Promise<{ sum: number; count: number }> {
  const metric = registry.getSingleMetric(name);
  if (metric === undefined) return { sum: 0, count: 0 };
  const values = (await metric.get()).values as ReadonlyArray<{ metricName?: string; value: number }>;
  const pick = (suffix: string): number => values.filter((v) => v.metricName === `${name}${suffix}`).reduce((s, v) => s + v.value, 0);
  return { sum: pick('_sum'), count: pick('_count') };
}

async function counterTotal(registry: Registry, name: string): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (metric === undefined) return 0;
  return (await metric.get()).values.reduce((s, v) => s + v.value, 0);
}

/** Bytes of the topic's log segments on the local broker's disk, per record. */
function diskExtra(dataDir: string, topic: string, records: number): Record<string, number> {
  let bytes = 0;
  let found = false;
  for (let p = 0; p < PARTITIONS; p++) {
    const dir = path.join(dataDir, `${topic}-${p}`);
    if (!fs.existsSync(dir)) continue;
    found = true;
    for (const file of fs.readdirSync(dir)) if (file.endsWith('.log')) bytes += fs.statSync(path.join(dir, file)).size;
  }
  return found ? { bytesOnDiskPerRecord: bytes / records } : {};
}
