import crypto from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { compressSync } from 'snappy';
import { Pool } from 'undici';
import { AvroCodec } from '../../lib/codec';
import { LOG_RECORD_SCHEMA, type LogRecord } from '../../lib/records';
import { createLogger, Registry } from '../../lib/telemetry';
import { ENRICHED_RECORD_SCHEMA, type EnrichedRecord } from '../../services/enricher/enriched-record';
import { buildLogRecord } from '../../services/producer/build-log-record';
import { SyntheticLogs } from '../../services/producer/load/synthetic-logs';
import { parseSinkLokiConfig } from '../../services/sink-loki/config';
import { EntryEncoder } from '../../services/sink-loki/encoder';
import { PUSH_PATH } from '../../services/sink-loki/push-client';
import { encodePushProtobuf } from '../../services/sink-loki/push-encoder';
import { LokiQueryClient } from '../../services/sink-loki/query-client';
import { buildPushBatches } from '../../services/sink-loki/request-builder';
import { SinkLokiService } from '../../services/sink-loki/sink-loki-service';
import { stackConfigFromEnv } from '../../stack/stack-config';
import { testEnricher } from '../../test/harness/test-enricher';
import { cpuCeilingNote, cpuExtra, startCpuMeter } from '../lib/cpu-seconds';
import { compare, repeat, type Measurement, type Variant } from '../lib/runner';
import type { Scenario, ScenarioContext, ScenarioResult } from '../lib/scenario';
import { bucketMedian, metricValues } from '../../lib/telemetry/metric-values';

const PARTITIONS = 3;
const NODES = 24;
/** sink-es's goal, kept as the reference: the Loki issue sets no throughput goal of its own. */
const GOAL_RATIO = 0.8;
const POLL_MS = 50;
const FLUSH_INTERVAL_MS = 200;
/** The raw pusher's request size and concurrency: the sink's defaults (maxBatchBytes 1 MiB, maxInFlight 2). */
const MAX_BATCH_BYTES = 1024 * 1024;
const RAW_IN_FLIGHT = 2;
const PUBLISH_CHUNK = 500;
/** Event times 1 ms apart from half an hour before the run (then shifted per measurement): inside Loki's acceptance window. */
const EVENT_SPACING_MICROS = 1_000;

const SIZES = {
  // Large enough that the steady state, not a fresh group's first fetch, sets the figure.
  full: { records: 120_000, repetitions: 3 },
  quick: { records: 3_000, repetitions: 2 },
} as const;

export const sinkLokiScenario: Scenario = {
  name: 'sink-loki',
  title: 'Loki sink throughput: sink-loki vs a raw pre-built protobuf+snappy pusher',
  description:
    'Entries/s of `SinkLokiService` (`services/sink-loki/sink-loki-service.ts`, one instance, defaults: `maxBatchBytes` 1 MiB, `maxInFlight` 2, `partitionsInProgress` 8, `fetchBytesPerPartition` 4 MiB, protobuf + snappy push, ' +
    `\`flushIntervalMs\` ${FLUSH_INTERVAL_MS}) consuming one topic of Avro EnrichedRecords (${PARTITIONS} partitions, published once per run) ` +
    "from the beginning with a fresh consumer group, timed from `start()` until the group's committed offsets reach the topic's end offsets; " +
    "then Loki's `count_over_time` over the measurement's time range must equal the input count. Baseline, same run, same Loki: a raw pusher that POSTs " +
    'pre-built `logproto.PushRequest` bodies (the same entries, labels, lines and structured metadata, grouped and cut with `services/sink-loki/request-builder.ts`, ' +
    `snappy-compressed before timing) with an undici \`Pool\`, ${RAW_IN_FLIGHT} requests in flight, timed from the first request to the last response, count checked. ` +
    'Each variant has its own `job` label for the run; every measurement shifts the event times past the previous one (the sink\'s input is re-published per measurement), ' +
    `so no entry is dropped as a duplicate of an earlier one, and the streams are created once per run (Loki's default max_global_streams_per_user is 5,000). Reference goal (sink-es's): ratio ≥ ${GOAL_RATIO}.`,
  run: runSinkLoki,
};

/** One measurement's input: the run's records with event times shifted to a slot of their own. */
interface RoundInput {
  readonly values: readonly Buffer[];
  readonly keys: readonly string[];
  readonly range: { readonly startMs: number; readonly endMs: number };
}

interface TopicInput {
  readonly topic: string;
  readonly ends: ReadonlyMap<number, number>;
  readonly perPartition: readonly number[];
}

function lokiUrl(): string {
  return process.env.LOKI_URL ?? `http://127.0.0.1:${stackConfigFromEnv().lokiPort}`;
}

async function runSinkLoki(context: ScenarioContext): Promise<ScenarioResult> {
  const started = performance.now();
  const size = context.quick ? SIZES.quick : SIZES.full;
  const repetitions = context.repetitions ?? size.repetitions;
  const url = lokiUrl();
  const tag = `${Math.floor(Date.now() / 1000)}-${crypto.randomBytes(3).toString('hex')}`;
  const codec = new AvroCodec();
  const ready = await fetch(`${url}/ready`).then(
    (r) => r.status,
    (err: Error) => err.message,
  );
  if (ready !== 200) throw new Error(`sink-loki: Loki at ${url} is not ready (${ready})`);

  const records = syntheticRecords(context.seed, size.records);
  const enrich = testEnricher(codec);
  // Slot 0 is the warm-up, slot r + 1 round r; slots are whole seconds with 2 s between them,
  // so a count over one (from a second before it to a second after) never reaches a neighbour.
  const spanMs = (size.records * EVENT_SPACING_MICROS) / 1000;
  const slotMicros = (Math.ceil(spanMs / 1000) * 1000 + 2_000) * 1000;
  const roundInput = (round: number): RoundInput => {
    const shift = (round + 1) * slotMicros;
    const values = records.map((r, i) => {
      const { message } = enrich.process(Buffer.from(r.node_id), codec.encode(LOG_RECORD_SCHEMA, { ...r, timestamp: r.timestamp + shift }), { topic: 'raw', partition: 0, offset: String(i) });
      if (message.value === null) throw new Error('sink-loki: the enricher returned no value');
      return Buffer.isBuffer(message.value) ? message.value : Buffer.from(message.value);
    });
    const startMs = ((records[0]?.timestamp ?? 0) + shift) / 1000;
    // Whole seconds: Loki evaluates the count at a step-aligned time.
    return { values, keys: records.map((r) => r.node_id), range: { startMs, endMs: startMs + Math.ceil(spanMs / 1000) * 1000 + 1_000 } };
  };
  const sample = roundInput(-1);
  const avroBytes = sample.values.reduce((s, v) => s + v.length, 0);
  const built = prebuild(sample.values.map((v) => codec.decode<EnrichedRecord>(v, ENRICHED_RECORD_SCHEMA).value), 'sample');
  context.log(
    `  input: ${size.records.toLocaleString('en-US')} enriched records per measurement, ${(avroBytes / size.records).toFixed(0)} Avro bytes/record; ` +
      `${built.bodies.length} push bodies, ${(built.rawBytes / 1024 / 1024).toFixed(1)} MiB raw, ${(built.bodyBytes / 1024 / 1024).toFixed(1)} MiB snappy, ${built.streams} streams`,
  );

  const sinkJob = `bench-sink-loki-${tag}`;
  const rawJob = `bench-raw-push-${tag}`;
  let perPartition: readonly number[] = [];
  let prepared: { input: RoundInput; topic: TopicInput } | undefined;
  const variants: Variant[] = [
    {
      id: 'sink-loki',
      label: 'sink-loki (SinkLokiService)',
      unit: 'entries/s',
      prepare: async (_phase, round) => {
        const input = roundInput(round);
        const topic = await publishInput(context, input);
        perPartition = topic.perPartition;
        prepared = { input, topic };
      },
      run: () => {
        if (prepared === undefined) throw new Error('sink-loki: run before prepare');
        const { input, topic } = prepared;
        prepared = undefined;
        return sinkOnce(context, url, topic, input, sinkJob);
      },
    },
    {
      id: 'raw-push',
      label: `raw pusher (pre-built protobuf+snappy, ${RAW_IN_FLIGHT} in flight)`,
      unit: 'entries/s',
      run: (_phase, round) => {
        const input = roundInput(round);
        return rawOnce(url, input.values.map((v) => codec.decode<EnrichedRecord>(v, ENRICHED_RECORD_SCHEMA).value), rawJob, input.range);
      },
    },
  ];
  const series = await repeat(variants, { repetitions, warmup: true, log: context.log, profile: context.profile });
  const comparison = compare('sink-loki: sink vs raw pusher', series, 'sink-loki', 'raw-push');
  const verdict = comparison.ratio.median >= GOAL_RATIO ? 'met' : 'not met';
  context.log(`  ratio sink/raw: ${comparison.ratio.median.toFixed(2)} (${comparison.ratio.min.toFixed(2)}–${comparison.ratio.max.toFixed(2)}); goal ≥ ${GOAL_RATIO}: ${verdict}`);

  return {
    name: sinkLokiScenario.name,
    title: sinkLokiScenario.title,
    description: sinkLokiScenario.description,
    parameters: {
      entries: size.records,
      repetitions,
      partitions: PARTITIONS,
      syntheticNodes: NODES,
      streams: built.streams,
      flushIntervalMs: FLUSH_INTERVAL_MS,
      maxBatchBytes: MAX_BATCH_BYTES,
      rawInFlight: RAW_IN_FLIGHT,
      rawBytesPerEntry: Math.round(built.rawBytes / size.records),
      snappyBytesPerEntry: Math.round(built.bodyBytes / size.records),
      goalRatio: GOAL_RATIO,
      seed: context.seed,
    },
    series: [...series.values()],
    comparisons: [comparison],
    baselineCommands: [
      `undici Pool(${url}, { connections: ${RAW_IN_FLIGHT} }).request({ method: 'POST', path: '${PUSH_PATH}', headers: { 'content-type': 'application/x-protobuf' }, body }) × ${built.bodies.length} pre-built snappy bodies, ${RAW_IN_FLIGHT} in flight`,
    ],
    notes: [
      `Goal ratio ≥ ${GOAL_RATIO}: **${verdict}** in this run (median ${comparison.ratio.median.toFixed(2)}, range ${comparison.ratio.min.toFixed(2)}–${comparison.ratio.max.toFixed(2)}).`,
      `Input: ${size.records.toLocaleString('en-US')} synthetic LogRecords (seed ${context.seed}, ${NODES} node keys, event times 1 ms apart from half an hour before the run, shifted per measurement) enriched with the enricher's ` +
        `\`RecordProcessor\` (\`test/harness/test-enricher.ts\`) and published before each sink measurement in chunks of ${PUBLISH_CHUNK} to a new ${PARTITIONS}-partition topic (per partition: ${perPartition.join(', ')}), read with a fresh group.`,
      'The sink figure includes `start()` (connect, join the group, first fetch: `firstCommitSeconds`), Avro decoding, line and label building, protobuf encoding and snappy, ' +
        `and detection of the last commit by polling the group's committed offsets every ${POLL_MS} ms (a figure can be late by up to one poll). ` +
        "The raw figure has none of these: no Kafka, no decode/encode, no compression in the timed part; it is Loki's ingestion speed for these entries at this concurrency.",
      `Streams: labels job, service, node_id, component, level give ${built.streams} streams over the input; a 1 MiB request holds entries of a few hundred of them. ` +
        'Every partition batch of a fetch is encoded at once (`partitionsInProgress`); their requests share the `maxInFlight` connections. ' +
        'A fresh group\'s first batch of each partition is first looked up in Loki (the takeover check), so the figure includes one query per partition.',
      cpuCeilingNote(series.get('sink-loki'), series.get('raw-push'), GOAL_RATIO),
      '`pushRequests` and `entriesPerPush` of the sink come from `logpipe_sink_loki_push_entries`; `pushP50Ms` is the median push round trip estimated from `logpipe_sink_loki_push_duration_seconds` buckets (upper bound). The raw pusher\'s `pushMeanMs` is its mean round trip.',
    ],
    seconds: (performance.now() - started) / 1000,
  };
}

/** The raw pusher's bodies for one job: the sink's entries, grouped and cut the same way, snappy-compressed. */
function prebuild(records: readonly EnrichedRecord[], job: string): { bodies: Buffer[]; rawBytes: number; bodyBytes: number; streams: number } {
  const encoder = new EntryEncoder({ job, lineFormat: 'json', maxLabelValueBytes: 1024 });
  const entries = records.map((r, i) => encoder.encode(i, r));
  const raw = buildPushBatches(entries, MAX_BATCH_BYTES).map(encodePushProtobuf);
  const bodies = raw.map((r) => compressSync(r));
  return { bodies, rawBytes: raw.reduce((s, r) => s + r.length, 0), bodyBytes: bodies.reduce((s, b) => s + b.length, 0), streams: new Set(entries.map((e) => e.stream)).size };
}

/** The run's LogRecords, event times 1 ms apart from half an hour ago (before the per-round shift). */
function syntheticRecords(seed: number, count: number): LogRecord[] {
  const logs = new SyntheticLogs({ seed, nodes: NODES, errorRatio: 0.05, warningRatio: 0.15, service: 'storage-node', version: '1.0.0' });
  const firstMicros = Math.floor((Date.now() - 30 * 60_000) / 1000) * 1_000_000; // a whole second
  return Array.from({ length: count }, (_, i) => {
    const { call, origin } = logs.next();
    return buildLogRecord({ ...call, timestampMicros: firstMicros + i * EVENT_SPACING_MICROS }, origin);
  });
}

async function publishInput(context: ScenarioContext, input: RoundInput): Promise<TopicInput> {
  const topic = await context.topics.create('sink-loki-in', PARTITIONS);
  const kafka = new Kafka({ clientId: 'logpipe-bench-sink-loki', brokers: [...context.brokers], logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  const messages = input.values.map((value, i) => ({ key: input.keys[i] as string, value }));
  await producer.connect();
  try {
    for (let i = 0; i < messages.length; i += PUBLISH_CHUNK) await producer.send({ topic, messages: messages.slice(i, i + PUBLISH_CHUNK) });
  } finally {
    await producer.disconnect();
  }
  const ends = await context.topics.endOffsets(topic);
  const stored = [...ends.values()].reduce((s, n) => s + n, 0);
  if (stored !== messages.length) throw new Error(`sink-loki: input topic ${topic} holds ${stored} records, expected ${messages.length}`);
  return { topic, ends, perPartition: [...ends.entries()].sort((a, b) => a[0] - b[0]).map(([, n]) => n) };
}

/** Loki's own count of a job's entries in [startMs, endMs] (whole seconds), evaluated at endMs. */
async function countEntries(url: string, job: string, range: { startMs: number; endMs: number }): Promise<number> {
  const client = new LokiQueryClient({ url, rejectUnauthorized: true });
  try {
    // count_over_time's window is (end - range, end]: one more second takes in the entries at startMs.
    const rangeSec = Math.ceil((range.endMs - range.startMs) / 1000) + 1;
    const endNs = BigInt(range.endMs) * 1_000_000n;
    const data = await client.queryRange({ query: `sum(count_over_time({job="${job}"}[${rangeSec}s]))`, startNs: endNs, endNs, limit: 1, direction: 'forward', stepSec: 1 });
    return data.resultType === 'matrix' ? Number(data.result[0]?.values.at(-1)?.[1] ?? 0) : Number.NaN;
  } finally {
    await client.close();
  }
}

async function sinkOnce(context: ScenarioContext, url: string, input: TopicInput, round: RoundInput, job: string): Promise<Measurement> {
  const records = round.values.length;
  const dlqTopic = await context.topics.create('sink-loki-dlq', 1);
  const groupId = `${dlqTopic}-group`;
  const registry = new Registry();
  const config = parseSinkLokiConfig({
    kafka: { brokers: [...context.brokers] },
    loki: { url },
    groupId,
    inputTopic: input.topic,
    dlqTopic,
    job,
    flushIntervalMs: FLUSH_INTERVAL_MS,
    sessionTimeoutMs: 10_000,
    logLevel: 'silent',
    httpPort: 0,
  });
  const service = new SinkLokiService(config, { logger: createLogger({ name: 'logpipe-bench-sink-loki', level: 'silent' }), registry });
  const timeoutMs = Math.max(120_000, records * 2);
  let stopped = false;
  try {
    const t0 = performance.now();
    const cpu = startCpuMeter();
    await service.start();
    let firstCommitSeconds = Number.NaN;
    for (;;) {
      const committed = await context.topics.committedOffsets(groupId, input.topic);
      if (Number.isNaN(firstCommitSeconds) && [...committed.values()].some((n) => n > 0)) firstCommitSeconds = (performance.now() - t0) / 1000;
      if ([...input.ends].every(([partition, end]) => end === 0 || (committed.get(partition) ?? -1) >= end)) break;
      if (performance.now() - t0 > timeoutMs) {
        const done = [...committed.values()].reduce((s, n) => s + Math.max(0, n), 0);
        throw new Error(`sink-loki: only ${done} of ${records} records committed after ${timeoutMs / 1000} s`);
      }
      await sleep(POLL_MS);
    }
    const seconds = (performance.now() - t0) / 1000;
    const cpuSpent = cpuExtra(cpu(), ['kafka', 'loki']);
    await service.stop();
    stopped = true;

    const outcomes = await metricValues(registry, 'logpipe_sink_loki_records_total');
    const written = outcomes.filter((v) => v.labels.outcome === 'written').reduce((s, v) => s + v.value, 0);
    if (written !== records) throw new Error(`sink-loki: the sink wrote ${written} of ${records} records`);
    const count = await countEntries(url, job, round.range);
    if (count !== records) throw new Error(`sink-loki: Loki counts ${count} entries for job ${job} in the measurement's range, expected ${records}`);
    const pushes = (await metricValues(registry, 'logpipe_sink_loki_push_entries')).filter((v) => v.metricName === 'logpipe_sink_loki_push_entries_count').reduce((s, v) => s + v.value, 0);
    const durations = await metricValues(registry, 'logpipe_sink_loki_push_duration_seconds');
    return {
      value: records / seconds,
      extra: {
        seconds,
        firstCommitSeconds,
        pushRequests: pushes,
        entriesPerPush: pushes > 0 ? records / pushes : Number.NaN,
        pushP50Ms: bucketMedian(durations, 'logpipe_sink_loki_push_duration_seconds_bucket') * 1000,
        retries: (await metricValues(registry, 'logpipe_sink_loki_retries_total')).reduce((s, v) => s + v.value, 0),
        ...cpuSpent,
      },
    };
  } finally {
    if (!stopped) await service.stop().catch(() => undefined);
    await context.topics.deleteGroups([groupId]);
    await context.topics.delete([dlqTopic, input.topic]).catch(() => undefined);
  }
}

async function rawOnce(url: string, records: readonly EnrichedRecord[], job: string, range: { startMs: number; endMs: number }): Promise<Measurement> {
  const { bodies } = prebuild(records, job); // before timing: the baseline does no encoding
  const pool = new Pool(url, { connections: RAW_IN_FLIGHT, keepAliveTimeout: 30_000 });
  const headers = { 'content-type': 'application/x-protobuf' };
  let next = 0;
  let roundTrips = 0;
  const failures: string[] = [];
  const worker = async (): Promise<void> => {
    for (;;) {
      const body = bodies[next++];
      if (body === undefined) return;
      const t = performance.now();
      const res = await pool.request({ method: 'POST', path: PUSH_PATH, headers, body, headersTimeout: 60_000, bodyTimeout: 60_000 });
      const text = await res.body.text();
      roundTrips += performance.now() - t;
      if (res.statusCode !== 204) failures.push(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`);
    }
  };
  try {
    const t0 = performance.now();
    const cpu = startCpuMeter();
    await Promise.all(Array.from({ length: RAW_IN_FLIGHT }, () => worker()));
    const seconds = (performance.now() - t0) / 1000;
    const cpuSpent = cpuExtra(cpu(), ['kafka', 'loki']);
    if (failures.length > 0) throw new Error(`raw pusher: ${failures.length} pushes failed; ${failures.slice(0, 3).join('; ')}`);
    const count = await countEntries(url, job, range);
    if (count !== records.length) throw new Error(`raw pusher: Loki counts ${count} entries for job ${job}, expected ${records.length}`);
    return { value: records.length / seconds, extra: { seconds, pushRequests: bodies.length, pushMeanMs: roundTrips / bodies.length, ...cpuSpent } };
  } finally {
    await pool.close();
  }
}
