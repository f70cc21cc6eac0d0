import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger, Registry } from '../../lib/telemetry';
import { parseEnricherConfig } from '../../services/enricher/enricher-config';
import { Enricher } from '../../services/enricher/enricher';
import { runProduce } from '../../services/producer/produce-command';
import { stackConfigFromEnv } from '../../stack/stack-config';
import type { BenchTopics } from '../lib/bench-topics';
import { cpuCeilingNote, cpuExtra, startCpuMeter } from '../lib/cpu-seconds';
import { compare, formatFigure, repeat, type Measurement, type Variant } from '../lib/runner';
import type { Scenario, ScenarioContext, ScenarioResult } from '../lib/scenario';

const PARTITIONS = 6;
/** Keys node-1..node-N of the synthetic records: enough that the default partitioner fills all 6 partitions. */
const NODES = 24;
/** The team's goal: enrichment costs less than 25% of pass-through throughput. */
const GOAL_RATIO = 0.75;
const POLL_MS = 50;

const SIZES = {
  full: { records: 100_000, repetitions: 5 },
  quick: { records: 3_000, repetitions: 2 },
} as const;

const repoRoot = path.resolve(__dirname, '..', '..');
/** MaxMind's test databases: the synthetic records' public addresses are in them. */
export const GEOIP_TEST_DBS = {
  cityDb: path.resolve(repoRoot, 'test', 'fixtures', 'geoip', 'GeoLite2-City-Test.mmdb'),
  asnDb: path.resolve(repoRoot, 'test', 'fixtures', 'geoip', 'GeoLite2-ASN-Test.mmdb'),
} as const;

export const enrichScenario: Scenario = {
  name: 'enrich',
  title: 'Enricher throughput: enrichment vs pass-through (exactly-once)',
  description:
    'Records/s of the enricher (`services/enricher/enricher.ts`, one instance, the exactly-once transactional loop of ' +
    '`lib/runner/transactional-pipeline.ts`: one Kafka transaction per fetched partition batch) consuming one raw topic ' +
    `(${PARTITIONS} partitions, synthetic LogRecords published once per run with \`runProduce\`, the \`logpipe produce\` command) ` +
    'from the beginning, with a fresh consumer group and fresh output and dead-letter topics per measurement, timed from ' +
    "`start()` until the group's committed offsets reach the raw topic's end offsets. Ours: full enrichment (Avro decode, " +
    'validation, size/IP class, GeoIP City + ASN lookups in MaxMind\'s test databases, user-agent parsing, numeric fields, message ' +
    'metrics, classification, Avro encode of the EnrichedRecord) on one worker thread, the default `ENRICHER_WORKER_THREADS` (before it, on the main thread: ' +
    '0.64 (0.61–0.65) against 0.83 (0.73–0.87) with the worker, back to back on 2026-12-01). Baseline: the same enricher with `passThrough: true`, which ' +
    'forwards the raw bytes unchanged through the same transactional loop on the main thread, in the same run. ' +
    `Goal: ratio ≥ ${GOAL_RATIO} (enrichment costs less than ${Math.round((1 - GOAL_RATIO) * 100)}% of pass-through throughput).`,
  run: runEnrich,
};

async function runEnrich(context: ScenarioContext): Promise<ScenarioResult> {
  const started = performance.now();
  const size = context.quick ? SIZES.quick : SIZES.full;
  const repetitions = context.repetitions ?? size.repetitions;
  for (const file of Object.values(GEOIP_TEST_DBS)) {
    if (!fs.existsSync(file)) throw new Error(`enrich: GeoIP test database ${file} is missing`);
  }

  const input = await publishInput(context, size.records);
  context.log(
    `  input: ${input.records.toLocaleString('en-US')} records (seed ${context.seed}, ${NODES} node keys) in ${input.topic}, ` +
      `${input.bytesPerRecord.toFixed(1)} bytes/record on disk, per partition ${input.perPartition.join('/')}`,
  );

  const dataDir = path.join(stackConfigFromEnv().runDir, 'kafka', 'data');
  const variant = (id: string, label: string, passThrough: boolean): Variant => ({
    id,
    label,
    unit: 'records/s',
    run: () => consumeOnce({ topics: context.topics, brokers: context.brokers, input, passThrough, dataDir, label: id }),
  });
  const series = await repeat([variant('enriched', 'enricher, enrichment on (GeoIP City+ASN)', false), variant('pass-through', 'enricher, pass-through', true)], {
    repetitions,
    warmup: true,
    log: context.log,
    profile: context.profile,
  });
  const comparison = compare('enrich: enriched vs pass-through', series, 'enriched', 'pass-through');
  const verdict = comparison.ratio.median >= GOAL_RATIO ? 'met' : 'not met';
  context.log(`  ratio enriched/pass-through: ${comparison.ratio.median.toFixed(2)} (${comparison.ratio.min.toFixed(2)}–${comparison.ratio.max.toFixed(2)}); goal ≥ ${GOAL_RATIO}: ${verdict}`);

  return {
    name: enrichScenario.name,
    title: enrichScenario.title,
    description: enrichScenario.description,
    parameters: {
      records: input.records,
      repetitions,
      partitions: PARTITIONS,
      syntheticNodes: NODES,
      inputBytesOnDiskPerRecord: Math.round(input.bytesPerRecord * 10) / 10,
      goalRatio: GOAL_RATIO,
      seed: context.seed,
    },
    series: [...series.values()],
    comparisons: [comparison],
    baselineCommands: [],
    notes: [
      `Goal ratio ≥ ${GOAL_RATIO}: **${verdict}** in this run (median ${comparison.ratio.median.toFixed(2)}, range ${comparison.ratio.min.toFixed(2)}–${comparison.ratio.max.toFixed(2)}).`,
      `Input: ${input.records.toLocaleString('en-US')} records published once per run by \`runProduce(['--count', '${input.records}', '--seed', '${context.seed}', '--rate', '0', '--nodes', '${NODES}', '--topic', <raw topic>, '--brokers', ...])\` ` +
        `(the \`logpipe produce\` command) into a ${PARTITIONS}-partition topic (records per partition: ${input.perPartition.join(', ')}); every warm-up and measurement re-reads that same topic.`,
      'Both variants run the whole loop in this Node process: fetch (read_committed), process, one transaction per partition batch (produce, sendOffsets, commit). ' +
        'The figure includes everything from `start()` (which only connects: `startSeconds`) through joining the group and the first fetch (`firstCommitSeconds`: until the first committed offset is seen, one batch processed) to the last commit; the output and dead-letter topics have 6 and 1 partitions and are deleted after each measurement.',
      `Completion is detected by polling the group's committed offsets every ${POLL_MS} ms (kafkajs admin \`fetchOffsets\`), so a figure can be late by up to one poll.`,
      'Every measurement checks the enricher\'s `logpipe_enricher_records_total`: enriched + dead-lettered (or passed-through) must equal the input count. `deadLettered` is the median count per run.',
      '`outputBytesOnDiskPerRecord` sums the output topic\'s `.log` segment files on the local broker (includes transaction markers); `recordsPerTransaction` from `logpipe_enricher_transaction_duration_seconds_count`.',
      cpuCeilingNote(series.get('enriched'), series.get('pass-through'), GOAL_RATIO),
      'The warm-up of each variant consumes the full input once (JIT, broker page cache of the raw topic).',
      'Where the time goes: `npx tsx bench/profile-enrich.ts` profiles one enriched consumption (after a warm-up) with V8\'s sampling profiler and writes [`bench/results/enrich-profile.md`](../bench/results/enrich-profile.md) (`--variant pass-through`: `enrich-profile-pass-through.md`).',
    ],
    seconds: (performance.now() - started) / 1000,
  };
}

export interface EnrichInput {
  readonly topic: string;
  readonly records: number;
  readonly ends: ReadonlyMap<number, number>;
  readonly perPartition: readonly number[];
  readonly bytesPerRecord: number;
}

/** Publishes the synthetic input once with the producer library (`logpipe produce`). */
export async function publishInput(context: Pick<ScenarioContext, 'topics' | 'brokers' | 'seed' | 'log'>, records: number): Promise<EnrichInput> {
  const topic = await context.topics.create('enrich-raw', PARTITIONS);
  const result = await runProduce(
    ['--count', String(records), '--seed', String(context.seed), '--rate', '0', '--nodes', String(NODES), '--topic', topic, '--brokers', context.brokers.join(',')],
    (line) => context.log(`  produce: ${line}`),
  );
  if (result.produced !== records) throw new Error(`enrich: published ${result.produced} of ${records} input records`);
  const ends = await context.topics.endOffsets(topic);
  const stored = [...ends.values()].reduce((s, n) => s + n, 0);
  if (stored !== records) throw new Error(`enrich: input topic ${topic} holds ${stored} records, expected ${records}`);
  const perPartition = [...ends.entries()].sort((a, b) => a[0] - b[0]).map(([, n]) => n);
  const dataDir = path.join(stackConfigFromEnv().runDir, 'kafka', 'data');
  const bytes = logBytes(dataDir, topic, PARTITIONS);
  return { topic, records, ends, perPartition, bytesPerRecord: bytes === undefined ? Number.NaN : bytes / records };
}

export interface ConsumeOptions {
  readonly topics: BenchTopics;
  readonly brokers: readonly string[];
  readonly input: EnrichInput;
  readonly passThrough: boolean;
  readonly dataDir?: string;
  /** Part of the group and topic names. */
  readonly label: string;
  readonly timeoutMs?: number;
}

/**
 * One measurement: a fresh enricher (fresh group, output and dead-letter topics) consumes the
 * whole input; records/s from `start()` until the group's committed offsets reach the input's end.
 */
export async function consumeOnce(o: ConsumeOptions): Promise<Measurement> {
  const outputTopic = await o.topics.create(`enrich-out-${o.label}`, PARTITIONS);
  const dlqTopic = await o.topics.create(`enrich-dlq-${o.label}`, 1);
  const groupId = `${outputTopic}-group`;
  const registry = new Registry();
  const logger = createLogger({ name: 'logpipe-bench-enricher', level: 'silent' });
  const config = parseEnricherConfig({
    kafka: { brokers: [...o.brokers], clientId: 'logpipe-bench-enricher' },
    groupId,
    instanceId: 'bench',
    inputTopic: o.input.topic,
    outputTopic,
    dlqTopic,
    geoip: { ...GEOIP_TEST_DBS },
    passThrough: o.passThrough,
    sessionTimeoutMs: 10_000,
    logLevel: 'silent',
    httpPort: 0,
  });
  // Opens the GeoIP databases: not timed (a service does it once at boot).
  const enricher = new Enricher(config, { logger, registry });
  const timeoutMs = o.timeoutMs ?? Math.max(120_000, o.input.records * 2);
  let stopped = false;
  try {
    const t0 = performance.now();
    const cpu = startCpuMeter();
    await enricher.start();
    const startSeconds = (performance.now() - t0) / 1000;
    let firstCommitSeconds = Number.NaN;
    for (;;) {
      const committed = await o.topics.committedOffsets(groupId, o.input.topic);
      if (Number.isNaN(firstCommitSeconds) && [...committed.values()].some((n) => n > 0)) firstCommitSeconds = (performance.now() - t0) / 1000;
      if ([...o.input.ends].every(([partition, end]) => end === 0 || (committed.get(partition) ?? -1) >= end)) break;
      const fenced = enricher.fatalError();
      if (fenced !== undefined) throw fenced;
      if (performance.now() - t0 > timeoutMs) {
        const done = [...committed.values()].reduce((s, n) => s + Math.max(0, n), 0);
        throw new Error(`enrich (${o.label}): only ${done} of ${o.input.records} records committed after ${timeoutMs / 1000} s`);
      }
      await sleep(POLL_MS);
    }
    const seconds = (performance.now() - t0) / 1000;
    const cpuSpent = cpuExtra(cpu(), ['kafka']);
    await enricher.stop();
    stopped = true;

    const outcomes = await labelledCounter(registry, 'logpipe_enricher_records_total', 'outcome');
    const processed = [...outcomes.values()].reduce((s, n) => s + n, 0);
    const expectedOutcome = o.passThrough ? 'passed_through' : 'enriched';
    if (processed !== o.input.records || (outcomes.get(expectedOutcome) ?? 0) === 0) {
      throw new Error(`enrich (${o.label}): the enricher counted ${JSON.stringify(Object.fromEntries(outcomes))}, expected ${o.input.records} records in all`);
    }
    const transactions = await histogramCount(registry, 'logpipe_enricher_transaction_duration_seconds');
    const aborted = [...(await labelledCounter(registry, 'logpipe_enricher_transactions_aborted_total', 'none')).values()].reduce((s, n) => s + n, 0);
    const outBytes = o.dataDir === undefined ? undefined : logBytes(o.dataDir, outputTopic, PARTITIONS);
    return {
      value: o.input.records / seconds,
      extra: {
        seconds,
        mbPerSecond: (o.input.bytesPerRecord * o.input.records) / seconds / 1024 / 1024,
        startSeconds,
        firstCommitSeconds,
        recordsPerTransaction: transactions > 0 ? o.input.records / transactions : Number.NaN,
        abortedTransactions: aborted,
        deadLettered: outcomes.get('dead_lettered') ?? 0,
        ...(outBytes === undefined ? {} : { outputBytesOnDiskPerRecord: outBytes / o.input.records }),
        ...cpuSpent,
      },
    };
  } finally {
    if (!stopped) await enricher.stop().catch(() => undefined);
    await o.topics.deleteGroups([groupId]);
    await o.topics.delete([outputTopic, dlqTopic]).catch(() => undefined);
  }
}

/** Counter values by one label (`none`: a counter without labels, under key ''). */
async function labelledCounter(registry: Registry, name: string, label: string): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  const metric = registry.getSingleMetric(name);
  if (metric === undefined) return out;
  for (const v of (await metric.get()).values) {
    const key = String(v.labels[label] ?? '');
    out.set(key, (out.get(key) ?? 0) + v.value);
  }
  return out;
}

async function histogramCount(registry: Registry, name: string): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (metric === undefined) return 0;
  const values = (await metric.get()).values as ReadonlyArray<{ metricName?: string; value: number }>;
  return values.filter((v) => v.metricName === `${name}_count`).reduce((s, v) => s + v.value, 0);
}

/** Bytes of a topic's `.log` segments in the local broker's data directory; undefined when not found. */
function logBytes(dataDir: string, topic: string, partitions: number): number | undefined {
  let bytes = 0;
  let found = false;
  for (let p = 0; p < partitions; p++) {
    const dir = path.join(dataDir, `${topic}-${p}`);
    if (!fs.existsSync(dir)) continue;
    found = true;
    for (const file of fs.readdirSync(dir)) if (file.endsWith('.log')) bytes += fs.statSync(path.join(dir, file)).size;
  }
  return found ? bytes : undefined;
}

/** For progress lines of callers (the profile driver). */
export function describeMeasurement(m: Measurement): string {
  return `${formatFigure(m.value, 'records/s')} ${JSON.stringify(m.extra ?? {})}`;
}
