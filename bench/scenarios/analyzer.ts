import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { AvroCodec } from '../../lib/codec';
import { LOG_RECORD_SCHEMA } from '../../lib/records';
import { createLogger, Registry } from '../../lib/telemetry';
import { ALERT_EVENT_SCHEMA, type AlertEvent } from '../../services/analyzer/alerts/alert-types';
import { AnalyzerService } from '../../services/analyzer/analyzer-service';
import { internalNames, parseAnalyzerConfig, type AnalyzerConfig } from '../../services/analyzer/config';
import { ENRICHED_RECORD_SCHEMA } from '../../services/enricher/enriched-record';
import { buildLogRecord } from '../../services/producer/build-log-record';
import { testEnricher } from '../../test/harness/test-enricher';
import { publishEnrichedInput, type EnrichedInput } from '../lib/enriched-input';
import { compare, repeat, type Measurement, type Variant } from '../lib/runner';
import type { Scenario, ScenarioContext, ScenarioResult, Series } from '../lib/scenario';
import { summarize } from '../lib/stats';

const PARTITIONS = 6;
const NODES = 24;
const POLL_MS = 100;
/** Event times spread over two hours: two summary windows, many rule windows. */
const BASE_MS = Date.parse('2026-11-20T00:00:00Z');
const SPAN_MS = 2 * 3_600_000;

const SIZES = {
  full: { records: 100_000, repetitions: 3, bursts: 6 },
  quick: { records: 3_000, repetitions: 1, bursts: 2 },
} as const;

export const analyzerScenario: Scenario = {
  name: 'analyzer',
  title: 'Analyzer throughput with the default rules vs consume + decode, and alert latency',
  description:
    'Records/s of one analyzer (`services/analyzer/analyzer-service.ts`: the aggregate and merge stages, each an exactly-once ' +
    `transaction loop, with the shipped default rules and 1-hour summaries) consuming a topic of Avro EnrichedRecords (${PARTITIONS} ` +
    `partitions, ${NODES} node keys, event times spread over 2 hours) with fresh groups and internal topics per measurement, timed from ` +
    "`start()` until both stages' committed offsets reach their input's end. Baseline, same run: a kafkajs consumer that only " +
    'fetches, decodes every record with the same codec and commits per batch. Alert latency: with the analyzer caught up on a live ' +
    'topic fed 200 records/s of current-time INFO logs, a burst of 5 ERROR records from a new node is produced; the latency is from ' +
    'the produce call to the FIRING event read from the alerts topic (rule: 5 errors in 5 minutes per node).',
  run: runAnalyzer,
};

async function runAnalyzer(context: ScenarioContext): Promise<ScenarioResult> {
  const started = performance.now();
  const size = context.quick ? SIZES.quick : SIZES.full;
  const repetitions = context.repetitions ?? size.repetitions;
  const input = await publishEnrichedInput(context, {
    prefix: 'analyzer-in',
    records: size.records,
    partitions: PARTITIONS,
    nodes: NODES,
    timestampMicros: (i) => (BASE_MS + Math.floor((i * SPAN_MS) / size.records)) * 1000,
  });
  context.log(`  input: ${input.records.toLocaleString('en-US')} enriched records in ${input.topic}, per partition ${input.perPartition.join('/')}`);

  const variants: Variant[] = [
    { id: 'analyzer', label: 'analyzer, default rules (both stages)', unit: 'records/s', run: (_phase, round) => analyzeOnce(context, input, round) },
    { id: 'consume-decode', label: 'kafkajs consume + Avro decode + commit', unit: 'records/s', run: (_phase, round) => consumeDecodeOnce(context, input, round) },
  ];
  const series = await repeat(variants, { repetitions, warmup: true, log: context.log, profile: context.profile });
  const comparison = compare('analyzer: default rules vs consume + decode', series, 'analyzer', 'consume-decode');
  context.log(`  ratio analyzer/consume+decode: ${comparison.ratio.median.toFixed(2)} (${comparison.ratio.min.toFixed(2)}–${comparison.ratio.max.toFixed(2)})`);

  const latencies = await alertLatency(context, size.bursts);
  const latencySeries: Series = { id: 'alert-latency', label: 'alert latency, produce -> FIRING on the topic (allowed lateness 30 s, default)', unit: 's', lowerIsBetter: true, summary: summarize(latencies), extra: {} };
  context.log(`  alert latency: median ${latencySeries.summary.median.toFixed(2)} s over ${latencies.length} bursts (${latencies.map((l) => l.toFixed(2)).join(', ')})`);

  return {
    name: analyzerScenario.name,
    title: analyzerScenario.title,
    description: analyzerScenario.description,
    parameters: { records: input.records, repetitions, partitions: PARTITIONS, syntheticNodes: NODES, bursts: latencies.length, seed: context.seed },
    series: [...series.values(), latencySeries],
    comparisons: [comparison],
    baselineCommands: [],
    notes: [
      'Both variants read the same topic with read_committed and fresh consumer groups; the analyzer also creates, and the scenario deletes, its two internal topics per measurement.',
      "Completion of the analyzer: the aggregate group's committed offsets reach the input's end and the merge group's reach the partials topic's end (less its last transaction marker).",
      'Alert latency depends on the allowed lateness (`ANALYZER_ALLOWED_LATENESS_MS`, 30 s by default): a frequency rule fires as soon as the earliest open window holds the threshold; when the burst falls into the next window, it waits until event time passes the end of the current one plus the lateness. Lower lateness, lower latency, more late records.',
    ],
    seconds: (performance.now() - started) / 1000,
  };
}

function benchConfig(context: Pick<ScenarioContext, 'brokers'>, over: Partial<Record<string, unknown>>): AnalyzerConfig {
  return parseAnalyzerConfig({ kafka: { brokers: [...context.brokers], clientId: 'logpipe-bench-analyzer' }, instanceId: 'bench', logLevel: 'silent', httpPort: 0, sessionTimeoutMs: 10_000, ...over });
}

async function analyzeOnce(context: ScenarioContext, input: EnrichedInput, round: number): Promise<Measurement> {
  const alerts = await context.topics.create(`analyzer-alerts-${round}`, 1);
  const summaries = await context.topics.create(`analyzer-summaries-${round}`, 1);
  const config = benchConfig(context, { groupId: `${alerts}-group`, inputTopic: input.topic, alertsTopic: alerts, summariesTopic: summaries, idleTimeoutMs: 2_000 });
  const names = internalNames(config);
  const service = new AnalyzerService(config, { logger: createLogger({ name: 'bench-analyzer', level: 'silent' }), registry: new Registry() });
  const t0 = performance.now();
  void service.start();
  try {
    await until(() => caughtUp(context, config.groupId, input.topic, input.ends), input.records);
    const partialsEnds = await context.topics.endOffsets(names.partialsTopic);
    // Each transaction ends with a marker: the last record is at end - 2, so the committed offset is end - 1.
    await until(() => caughtUp(context, names.mergeGroupId, names.partialsTopic, new Map([...partialsEnds].map(([p, e]) => [p, Math.max(0, e - 1)]))), input.records);
    const seconds = (performance.now() - t0) / 1000;
    return { value: input.records / seconds, extra: { seconds } };
  } finally {
    await service.stop();
    await context.topics.deleteGroups([config.groupId, names.mergeGroupId]);
    await context.topics.deleteOthers([names.partialsTopic, names.stateTopic]);
    await context.topics.delete([alerts, summaries]);
  }
}

async function consumeDecodeOnce(context: ScenarioContext, input: EnrichedInput, round: number): Promise<Measurement> {
  const codec = new AvroCodec();
  const kafka = new Kafka({ clientId: 'logpipe-bench-consume', brokers: [...context.brokers], logLevel: logLevel.NOTHING });
  const groupId = `bench-consume-decode-${process.pid}-${round}-${Date.now()}`;
  const consumer = kafka.consumer({ groupId, readUncommitted: false, sessionTimeout: 10_000 });
  let decoded = 0;
  const t0 = performance.now();
  await consumer.connect();
  try {
    await consumer.subscribe({ topic: input.topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        for (const m of batch.messages) if (m.value !== null && codec.decode(m.value, ENRICHED_RECORD_SCHEMA).value !== undefined) decoded++;
        await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(batch.lastOffset()) + 1n).toString() }]);
      },
    });
    await until(() => caughtUp(context, groupId, input.topic, input.ends), input.records);
    const seconds = (performance.now() - t0) / 1000;
    if (decoded !== input.records) throw new Error(`consume+decode: decoded ${decoded} of ${input.records}`);
    return { value: input.records / seconds, extra: { seconds } };
  } finally {
    await consumer.disconnect();
    await context.topics.deleteGroups([groupId]);
  }
}

async function caughtUp(context: ScenarioContext, groupId: string, topic: string, ends: ReadonlyMap<number, number>): Promise<boolean> {
  const committed = await context.topics.committedOffsets(groupId, topic);
  return [...ends].every(([partition, end]) => end === 0 || (committed.get(partition) ?? -1) >= end);
}

async function until(check: () => Promise<boolean>, records: number): Promise<void> {
  const deadline = performance.now() + Math.max(180_000, records * 3);
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error('analyzer bench: timed out waiting for the consumer groups to catch up');
    await sleep(POLL_MS);
  }
}

/** Produce -> FIRING latency of `bursts` error bursts on a live, caught-up analyzer. */
async function alertLatency(context: ScenarioContext, bursts: number): Promise<number[]> {
  const codec = new AvroCodec();
  const enrich = testEnricher(codec);
  const input = await context.topics.create('analyzer-live', PARTITIONS);
  const alerts = await context.topics.create('analyzer-live-alerts', 1);
  const summaries = await context.topics.create('analyzer-live-summaries', 1);
  const rules = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bench-rules-')), 'rules.json');
  fs.writeFileSync(rules, JSON.stringify({ rules: [{ id: 'node-errors', name: 'Node errors', severity: 'error', kind: 'frequency', match: { levels: ['ERROR', 'CRITICAL'] }, threshold: 5, window: '5m', every: '1m', groupBy: ['node_id'] }] }));
  const config = benchConfig(context, { groupId: `${input}-group`, inputTopic: input, alertsTopic: alerts, summariesTopic: summaries, rulesFile: rules });
  const names = internalNames(config);
  const kafka = new Kafka({ clientId: 'logpipe-bench-live', brokers: [...context.brokers], logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  const reader = kafka.consumer({ groupId: `${alerts}-reader`, readUncommitted: false });
  const seen = new Map<string, number>();
  const service = new AnalyzerService(config, { logger: createLogger({ name: 'bench-analyzer-live', level: 'silent' }), registry: new Registry() });
  const enriched = (level: string, nodeId: string, i: number) => {
    const record = buildLogRecord({ level, message: level === 'ERROR' ? 'disk full on volume vol-1' : 'heartbeat ok', component: 'storage' }, { service: 'storage-node', nodeId });
    return { key: nodeId, value: enrich.process(Buffer.from(nodeId), codec.encode(LOG_RECORD_SCHEMA, record), { topic: 'raw', partition: 0, offset: String(i) }).message.value };
  };
  let feeding = true;
  let n = 0;
  await producer.connect();
  await reader.connect();
  await reader.subscribe({ topic: alerts, fromBeginning: true });
  await reader.run({
    eachMessage: async ({ message }) => {
      const alert = codec.decode<AlertEvent>(message.value as Buffer, ALERT_EVENT_SCHEMA).value;
      if (alert.status === 'FIRING' && !seen.has(alert.group_key)) seen.set(alert.group_key, performance.now());
    },
  });
  void service.start();
  // Background traffic at about 200 records/s of current time, so event time keeps moving.
  const feeder = (async () => {
    while (feeding) {
      await producer.send({ topic: input, messages: Array.from({ length: 20 }, () => enriched('INFO', `node-${n % NODES}`, n++)) });
      await sleep(100);
    }
  })();
  const latencies: number[] = [];
  try {
    await sleep(15_000);
    for (let b = 0; b < bursts; b++) {
      const node = `burst-${b}`;
      const t0 = performance.now();
      await producer.send({ topic: input, messages: Array.from({ length: 5 }, () => enriched('ERROR', node, n++)) });
      const deadline = t0 + 120_000;
      while (!seen.has(`node_id=${node}`) && performance.now() < deadline) await sleep(20);
      const at = seen.get(`node_id=${node}`);
      if (at === undefined) throw new Error(`analyzer bench: no FIRING alert for ${node} within 120 s`);
      latencies.push((at - t0) / 1000);
      context.log(`  burst ${b + 1}/${bursts}: FIRING after ${((at - t0) / 1000).toFixed(2)} s`);
      await sleep(3_000);
    }
  } finally {
    feeding = false;
    await feeder;
    await service.stop();
    await reader.disconnect();
    await producer.disconnect();
    await context.topics.deleteGroups([config.groupId, names.mergeGroupId, `${alerts}-reader`]);
    await context.topics.deleteOthers([names.partialsTopic, names.stateTopic]);
  }
  return latencies;
}

