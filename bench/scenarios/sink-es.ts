import crypto from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@elastic/elasticsearch';
import { Pool } from 'undici';
import { AvroCodec } from '../../lib/codec';
import { createLogger, Registry } from '../../lib/telemetry';
import { ENRICHED_RECORD_SCHEMA, type EnrichedRecord } from '../../services/enricher/enriched-record';
import { parseSinkEsConfig } from '../../services/sink-es/config';
import { indexNameFor, toDocument } from '../../services/sink-es/encoder';
import { indexTemplate } from '../../services/sink-es/index-template';
import { buildBulkRequests, bulkItem, type BulkRequest } from '../../services/sink-es/request-builder';
import { SinkEsService } from '../../services/sink-es/sink-es-service';
import { stackConfigFromEnv } from '../../stack/stack-config';
import { publishEnrichedInput, type EnrichedInput } from '../lib/enriched-input';
import { cpuCeilingNote, cpuExtra, startCpuMeter } from '../lib/cpu-seconds';
import { compare, repeat, type Measurement, type Variant } from '../lib/runner';
import type { Scenario, ScenarioContext, ScenarioResult } from '../lib/scenario';
import { bucketMedian, metricValues } from '../../lib/telemetry/metric-values';

const PARTITIONS = 3;
const NODES = 24;
const GOAL_RATIO = 0.8;
const POLL_MS = 50;
const FLUSH_INTERVAL_MS = 200;
/** The raw loader's request size and concurrency (the sink's defaults: maxBulkDocs 2,000, maxInFlight 2). */
const RAW_DOCS_PER_REQUEST = 2_000;
const RAW_MAX_BYTES = 5 * 1024 * 1024;
const RAW_IN_FLIGHT = 2;
const PUBLISH_CHUNK = 500;
/** Event times: one UTC day, 1 ms apart, so every run writes the same daily index. */
const BASE_TIME_MICROS = Date.parse('2026-11-20T00:00:00Z') * 1000;
/** The raw loader asks for what the sink asks for: per-item status and error. */
const BULK_PATH = '/_bulk?filter_path=items.*.status,items.*.error';

const SIZES = {
  full: { records: 50_000, repetitions: 3 },
  quick: { records: 3_000, repetitions: 2 },
} as const;

export const sinkEsScenario: Scenario = {
  name: 'sink-es',
  title: 'Elasticsearch sink throughput: sink-es vs a raw pre-built bulk loader',
  description:
    'Documents/s of `SinkEsService` (`services/sink-es/sink-es-service.ts`, one instance, defaults: `maxBulkDocs` 2,000, `maxInFlight` 2 bulk requests, `partitionsInProgress` 8, `fetchBytesPerPartition` 4 MiB, ' +
    `\`flushIntervalMs\` ${FLUSH_INTERVAL_MS}) consuming one topic of Avro EnrichedRecords (${PARTITIONS} partitions, published once per run) ` +
    "from the beginning with a fresh consumer group, timed from `start()` until the group's committed offsets reach the topic's end offsets; " +
    'then the index is refreshed and its count must equal the input count. Baseline, same run, same Elasticsearch node: a raw loader that ' +
    `POSTs pre-built \`_bulk\` bodies (the same documents and \`_id\`s, built before timing with \`services/sink-es/request-builder.ts\`, ${RAW_DOCS_PER_REQUEST.toLocaleString('en-US')} docs per request) ` +
    `with an undici \`Pool\`, ${RAW_IN_FLIGHT} requests in flight, into its own index prefix with the same index template, timed from the first request to the last response, count checked. ` +
    `Every measurement starts from deleted indices, so every document is created, not overwritten. Goal: ratio ≥ ${GOAL_RATIO}.`,
  run: runSinkEs,
};

type SinkInput = EnrichedInput;

function esUrl(): string {
  return process.env.ES_URL ?? `http://127.0.0.1:${stackConfigFromEnv().esPort}`;
}

async function runSinkEs(context: ScenarioContext): Promise<ScenarioResult> {
  const started = performance.now();
  const size = context.quick ? SIZES.quick : SIZES.full;
  const repetitions = context.repetitions ?? size.repetitions;
  const url = esUrl();
  const es = new Client({ node: url });
  const tag = `${Math.floor(Date.now() / 1000)}-${crypto.randomBytes(3).toString('hex')}`;
  const sinkPrefix = `bench-sink-es-${tag}`;
  const rawPrefix = `bench-sink-raw-${tag}`;
  const codec = new AvroCodec();
  const templateOf = (prefix: string) => indexTemplate(parseSinkEsConfig({ kafka: { brokers: [...context.brokers] }, elasticsearch: { url }, indexPrefix: prefix }));
  try {
    await es.cluster.health().catch((err: Error) => {
      throw new Error(`sink-es: Elasticsearch at ${url} does not answer (${err.message})`);
    });
    const input = await publishInput(context, size.records, codec);
    context.log(
      `  input: ${input.records.toLocaleString('en-US')} enriched records in ${input.topic}, ${input.avroBytesPerRecord.toFixed(0)} Avro bytes/record, per partition ${input.perPartition.join('/')}`,
    );

    // The baseline's bodies: the same documents and _ids the sink writes, built before any timing.
    const items = input.values.map((value, i) => {
      const record = codec.decode<EnrichedRecord>(value, ENRICHED_RECORD_SCHEMA).value;
      return bulkItem(i, indexNameFor(rawPrefix, record.timestamp), record.log_id, toDocument(record));
    });
    const requests = buildBulkRequests(items, RAW_DOCS_PER_REQUEST, RAW_MAX_BYTES);
    const bulkBytes = requests.reduce((s, r) => s + r.bytes, 0);
    context.log(`  raw loader: ${requests.length} bulk bodies, ${(bulkBytes / 1024 / 1024).toFixed(1)} MiB, ${(bulkBytes / input.records).toFixed(0)} bytes/doc`);

    // Same mappings for both: the sink installs its template in start() as well (idempotent).
    for (const prefix of [sinkPrefix, rawPrefix]) await es.indices.putIndexTemplate(templateOf(prefix));

    const variants: Variant[] = [
      { id: 'sink-es', label: 'sink-es (SinkEsService)', unit: 'docs/s', run: (_phase, round) => sinkOnce(context, es, url, input, sinkPrefix, round) },
      { id: 'raw-bulk', label: `raw bulk loader (pre-built, ${RAW_IN_FLIGHT} in flight)`, unit: 'docs/s', run: () => rawOnce(es, url, requests, input.records, rawPrefix) },
    ];
    const series = await repeat(variants, { repetitions, warmup: true, log: context.log, profile: context.profile });
    const comparison = compare('sink-es: sink vs raw bulk loader', series, 'sink-es', 'raw-bulk');
    const verdict = comparison.ratio.median >= GOAL_RATIO ? 'met' : 'not met';
    context.log(`  ratio sink/raw: ${comparison.ratio.median.toFixed(2)} (${comparison.ratio.min.toFixed(2)}–${comparison.ratio.max.toFixed(2)}); goal ≥ ${GOAL_RATIO}: ${verdict}`);

    return {
      name: sinkEsScenario.name,
      title: sinkEsScenario.title,
      description: sinkEsScenario.description,
      parameters: {
        documents: input.records,
        repetitions,
        partitions: PARTITIONS,
        syntheticNodes: NODES,
        flushIntervalMs: FLUSH_INTERVAL_MS,
        rawDocsPerRequest: RAW_DOCS_PER_REQUEST,
        rawInFlight: RAW_IN_FLIGHT,
        bulkBytesPerDoc: Math.round(bulkBytes / input.records),
        goalRatio: GOAL_RATIO,
        seed: context.seed,
      },
      series: [...series.values()],
      comparisons: [comparison],
      baselineCommands: [`undici Pool(${url}, { connections: ${RAW_IN_FLIGHT} }).request({ method: 'POST', path: '${BULK_PATH}', headers: { 'content-type': 'application/x-ndjson' }, body }) × ${requests.length} pre-built bodies, ${RAW_IN_FLIGHT} in flight`],
      notes: [
        `Goal ratio ≥ ${GOAL_RATIO}: **${verdict}** in this run (median ${comparison.ratio.median.toFixed(2)}, range ${comparison.ratio.min.toFixed(2)}–${comparison.ratio.max.toFixed(2)}).`,
        `Input: ${input.records.toLocaleString('en-US')} synthetic LogRecords (seed ${context.seed}, ${NODES} node keys, event times 1 ms apart on 2026-11-20 UTC, so one daily index) enriched with the enricher's ` +
          `\`RecordProcessor\` (\`test/harness/test-enricher.ts\`, GeoIP City test database) and published once per run in chunks of ${PUBLISH_CHUNK} to a ${PARTITIONS}-partition topic (per partition: ${input.perPartition.join(', ')}); every sink measurement re-reads it with a fresh group.`,
        'The sink figure includes `start()` (index template PUT, connect: `startSeconds`), joining the group and the first fetch (`firstCommitSeconds`: until a first committed offset is seen), ' +
          `and detection of the last commit by polling the group's committed offsets every ${POLL_MS} ms (a figure can be late by up to one poll). ` +
          'The raw figure has none of these: no Kafka, no decode/encode, no group; it is the node\'s bulk-indexing speed for these documents at this concurrency.',
        `Both write into indices with the same template (\`services/sink-es/index-template.ts\`: 1 shard, 0 replicas, refresh 1s); the raw loader asks for the same \`filter_path\` as the sink's \`BulkService\` and checks every item's status is 201. ` +
          'All indices of both prefixes are deleted before every measurement (so documents are created, not overwritten); after each one the index is refreshed and `_count` must equal the input count, and the sink\'s `logpipe_sink_es_records_total{outcome="written"}` must equal it too.',
        cpuCeilingNote(series.get('sink-es'), series.get('raw-bulk'), GOAL_RATIO),
        '`bulkRequests` and `docsPerBulk` of the sink come from `logpipe_sink_es_bulk_documents`; `bulkP50Ms` is the median bulk round trip estimated from `logpipe_sink_es_bulk_duration_seconds` buckets (upper bound). The raw loader\'s `bulkMeanMs` is its mean round trip.',
      ],
      seconds: (performance.now() - started) / 1000,
    };
  } finally {
    await es.indices.delete({ index: `${sinkPrefix}-*,${rawPrefix}-*`, ignore_unavailable: true, allow_no_indices: true }).catch(() => undefined);
    for (const prefix of [sinkPrefix, rawPrefix]) await es.indices.deleteIndexTemplate({ name: prefix }).catch(() => undefined);
    await es.close();
  }
}

function publishInput(context: ScenarioContext, records: number, codec: AvroCodec): Promise<SinkInput> {
  return publishEnrichedInput(context, { prefix: 'sink-es-in', records, partitions: PARTITIONS, nodes: NODES, timestampMicros: (i) => BASE_TIME_MICROS + i * 1000 }, codec);
}

async function clearIndices(es: Client, prefix: string): Promise<void> {
  await es.indices.delete({ index: `${prefix}-*`, ignore_unavailable: true, allow_no_indices: true });
}

async function countDocs(es: Client, prefix: string): Promise<number> {
  await es.indices.refresh({ index: `${prefix}-*`, allow_no_indices: true, ignore_unavailable: true });
  return (await es.count({ index: `${prefix}-*`, allow_no_indices: true, ignore_unavailable: true })).count;
}

async function sinkOnce(context: ScenarioContext, es: Client, url: string, input: SinkInput, prefix: string, round: number): Promise<Measurement> {
  await clearIndices(es, prefix);
  const dlqTopic = await context.topics.create('sink-es-dlq', 1);
  const groupId = `${dlqTopic}-group-${round < 0 ? 'warmup' : round}`;
  const registry = new Registry();
  const config = parseSinkEsConfig({
    kafka: { brokers: [...context.brokers] },
    elasticsearch: { url },
    groupId,
    inputTopic: input.topic,
    dlqTopic,
    indexPrefix: prefix,
    flushIntervalMs: FLUSH_INTERVAL_MS,
    sessionTimeoutMs: 10_000,
    logLevel: 'silent',
    httpPort: 0,
  });
  const service = new SinkEsService(config, { logger: createLogger({ name: 'logpipe-bench-sink-es', level: 'silent' }), registry });
  const timeoutMs = Math.max(120_000, input.records * 2);
  let stopped = false;
  try {
    const t0 = performance.now();
    const cpu = startCpuMeter();
    await service.start();
    const startSeconds = (performance.now() - t0) / 1000;
    let firstCommitSeconds = Number.NaN;
    for (;;) {
      const committed = await context.topics.committedOffsets(groupId, input.topic);
      if (Number.isNaN(firstCommitSeconds) && [...committed.values()].some((n) => n > 0)) firstCommitSeconds = (performance.now() - t0) / 1000;
      if ([...input.ends].every(([partition, end]) => end === 0 || (committed.get(partition) ?? -1) >= end)) break;
      if (performance.now() - t0 > timeoutMs) {
        const done = [...committed.values()].reduce((s, n) => s + Math.max(0, n), 0);
        throw new Error(`sink-es: only ${done} of ${input.records} records committed after ${timeoutMs / 1000} s`);
      }
      await sleep(POLL_MS);
    }
    const seconds = (performance.now() - t0) / 1000;
    const cpuSpent = cpuExtra(cpu(), ['kafka', 'elasticsearch']);
    await service.stop();
    stopped = true;

    const outcomes = await metricValues(registry, 'logpipe_sink_es_records_total');
    const written = outcomes.filter((v) => v.labels.outcome === 'written').reduce((s, v) => s + v.value, 0);
    const deadLettered = outcomes.filter((v) => v.labels.outcome === 'dead_lettered').reduce((s, v) => s + v.value, 0);
    if (written !== input.records) throw new Error(`sink-es: the sink wrote ${written} and dead-lettered ${deadLettered} of ${input.records} records`);
    const count = await countDocs(es, prefix);
    if (count !== input.records) throw new Error(`sink-es: the sink's indices hold ${count} documents, expected ${input.records}`);
    const docs = await metricValues(registry, 'logpipe_sink_es_bulk_documents');
    const bulkRequests = docs.filter((v) => v.metricName === 'logpipe_sink_es_bulk_documents_count').reduce((s, v) => s + v.value, 0);
    const durations = await metricValues(registry, 'logpipe_sink_es_bulk_duration_seconds');
    return {
      value: input.records / seconds,
      extra: {
        seconds,
        startSeconds,
        firstCommitSeconds,
        bulkRequests,
        docsPerBulk: bulkRequests > 0 ? input.records / bulkRequests : Number.NaN,
        bulkP50Ms: bucketMedian(durations, 'logpipe_sink_es_bulk_duration_seconds_bucket') * 1000,
        retries: (await metricValues(registry, 'logpipe_sink_es_retries_total')).reduce((s, v) => s + v.value, 0),
        ...cpuSpent,
      },
    };
  } finally {
    if (!stopped) await service.stop().catch(() => undefined);
    await context.topics.deleteGroups([groupId]);
    await context.topics.delete([dlqTopic]).catch(() => undefined);
    await clearIndices(es, prefix).catch(() => undefined);
  }
}

async function rawOnce(es: Client, url: string, requests: readonly BulkRequest[], records: number, prefix: string): Promise<Measurement> {
  await clearIndices(es, prefix);
  const pool = new Pool(url, { connections: RAW_IN_FLIGHT, keepAliveTimeout: 30_000 });
  const headers = { 'content-type': 'application/x-ndjson' };
  let next = 0;
  let created = 0;
  let roundTrips = 0;
  const failures: string[] = [];
  const worker = async (): Promise<void> => {
    for (;;) {
      const request = requests[next++];
      if (request === undefined) return;
      const t = performance.now();
      const res = await pool.request({ method: 'POST', path: BULK_PATH, headers, body: request.body, headersTimeout: 60_000, bodyTimeout: 60_000 });
      const text = await res.body.text();
      roundTrips += performance.now() - t;
      if (res.statusCode !== 200) {
        failures.push(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`);
        continue;
      }
      const items = (JSON.parse(text) as { items?: Array<Record<string, { status: number; error?: unknown }>> }).items ?? [];
      for (const item of items) {
        const result = Object.values(item)[0];
        if (result?.status === 201) created++;
        else if (failures.length < 5) failures.push(JSON.stringify(result));
      }
    }
  };
  try {
    const t0 = performance.now();
    const cpu = startCpuMeter();
    await Promise.all(Array.from({ length: RAW_IN_FLIGHT }, () => worker()));
    const seconds = (performance.now() - t0) / 1000;
    const cpuSpent = cpuExtra(cpu(), ['kafka', 'elasticsearch']);
    if (created !== records || failures.length > 0) throw new Error(`raw bulk loader: ${created} of ${records} created; ${failures.slice(0, 3).join('; ')}`);
    const count = await countDocs(es, prefix);
    if (count !== records) throw new Error(`raw bulk loader: the indices hold ${count} documents, expected ${records}`);
    return { value: records / seconds, extra: { seconds, bulkRequests: requests.length, bulkMeanMs: roundTrips / requests.length, ...cpuSpent } };
  } finally {
    await pool.close();
    await clearIndices(es, prefix).catch(() => undefined);
  }
}
