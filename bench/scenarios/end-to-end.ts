import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@elastic/elasticsearch';
import { Kafka, logLevel } from 'kafkajs';
import { AvroCodec } from '../../lib/codec';
import { LOG_RECORD_SCHEMA } from '../../lib/records';
import { ALERT_EVENT_SCHEMA, type AlertEvent } from '../../services/analyzer/alerts/alert-types';
import { buildLogRecord } from '../../services/producer/build-log-record';
import { runProduce } from '../../services/producer/produce-command';
import { LokiQueryClient } from '../../services/sink-loki/query-client';
import { run as runCommand } from '../../stack/commands';
import { LocalStack } from '../../stack/local-stack';
import { stackConfigFromEnv } from '../../stack/stack-config';
import { peakRssMb, rssMb } from '../../test/harness/chaos-report';
import { deleteIndicesOfPrefix } from '../../test/harness/es-prefix-cleanup';
import { countOfJobOn } from '../../test/integration/sink-loki/loki-entries';
import { ServiceProcesses, type ServiceProcessName } from '../../test/harness/service-processes';
import type { Scenario, ScenarioContext, ScenarioResult, Series } from '../lib/scenario';
import { summarize } from '../lib/stats';

const SERVICES: readonly ServiceProcessName[] = ['enricher', 'sink-es', 'sink-loki', 'analyzer'];
const SIZES = {
  full: { records: 60_000, probes: 20, blockedSeconds: 30 },
  quick: { records: 2_000, probes: 3, blockedSeconds: 5 },
} as const;
const PROBE_TIMEOUT_MS = 90_000;

export const endToEndScenario: Scenario = {
  name: 'end-to-end',
  title: 'End to end: every service as its own process, throughput, latency and memory',
  description:
    'The four services run as separate processes (`dist/services/*/main.js`, built first, default settings except 200 ms sink flushes and a 2 s ' +
    'allowed lateness) on fresh topics (6 partitions), an index prefix and a Loki job of their own. Throughput: the load generator ' +
    '(`logpipe produce --rate 0`, the log collector) publishes N synthetic records as fast as it can; the figure is N over the time from the ' +
    'first publish until Elasticsearch counts N documents, Loki counts N entries and the analyzer has committed N (all three). Latency: with the ' +
    'pipeline caught up and 200 records/s of background load, probes of 5 ERROR records from a new node; for each, the time from the produce ' +
    'call until its first record is found by an Elasticsearch `ids` search (no refresh forced), by a Loki query, and until the FIRING alert ' +
    '(5 errors in 5 minutes per node) is on the alerts topic. Memory: each process\'s peak RSS (VmHWM) under the load, and the sink\'s RSS ' +
    'while its server is stopped for a while under 1,000 records/s (local stack only).',
  run: runEndToEnd,
};

interface Pipeline {
  readonly raw: string;
  readonly enriched: string;
  readonly alerts: string;
  readonly group: string;
  readonly prefix: string;
  readonly job: string;
}

async function runEndToEnd(context: ScenarioContext): Promise<ScenarioResult> {
  const started = performance.now();
  const size = context.quick ? SIZES.quick : SIZES.full;
  context.log('  building dist/ (the services run as their own processes)');
  await runCommand('npx', ['tsc', '-p', 'tsconfig.json'], { what: 'build the services with tsc' });
  const urls = { es: process.env.ES_URL ?? `http://127.0.0.1:${stackConfigFromEnv().esPort}`, loki: process.env.LOKI_URL ?? `http://127.0.0.1:${stackConfigFromEnv().lokiPort}` };
  const es = new Client({ node: urls.es });
  const loki = new LokiQueryClient({ url: urls.loki, rejectUnauthorized: true });
  const id = `bench-e2e-${Date.now()}`;
  const p: Pipeline = {
    raw: await context.topics.create('e2e-raw', 6),
    enriched: await context.topics.create('e2e-enriched', 6),
    alerts: await context.topics.create('e2e-alerts', 1),
    group: id,
    prefix: id,
    job: id.replace(/-/g, '_'),
  };
  const dlq = await context.topics.create('e2e-dlq', 1);
  const summaries = await context.topics.create('e2e-summaries', 1);
  const rules = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bench-e2e-')), 'rules.json');
  fs.writeFileSync(rules, JSON.stringify({ rules: [{ id: 'node-errors', name: 'Node errors', severity: 'error', kind: 'frequency', match: { levels: ['ERROR', 'CRITICAL'] }, threshold: 5, window: '5m', every: '1m', groupBy: ['node_id'] }] }));
  const common = { KAFKA_BROKERS: context.brokers.join(','), LOG_LEVEL: 'error' };
  const env: Record<ServiceProcessName, NodeJS.ProcessEnv> = {
    enricher: { ...common, ENRICHER_GROUP_ID: `${id}-enricher`, ENRICHER_INPUT_TOPIC: p.raw, ENRICHER_OUTPUT_TOPIC: p.enriched, ENRICHER_DLQ_TOPIC: dlq },
    'sink-es': { ...common, ES_URL: urls.es, SINK_ES_GROUP_ID: `${id}-sink-es`, SINK_ES_INPUT_TOPIC: p.enriched, SINK_ES_DLQ_TOPIC: dlq, SINK_ES_INDEX_PREFIX: p.prefix, SINK_ES_FLUSH_INTERVAL_MS: '200' },
    'sink-loki': { ...common, LOKI_URL: urls.loki, SINK_LOKI_GROUP_ID: `${id}-sink-loki`, SINK_LOKI_INPUT_TOPIC: p.enriched, SINK_LOKI_DLQ_TOPIC: dlq, SINK_LOKI_JOB: p.job, SINK_LOKI_FLUSH_INTERVAL_MS: '200' },
    analyzer: { ...common, ANALYZER_GROUP_ID: `${id}-analyzer`, ANALYZER_INPUT_TOPIC: p.enriched, ANALYZER_ALERTS_TOPIC: p.alerts, ANALYZER_SUMMARIES_TOPIC: summaries, ANALYZER_DLQ_TOPIC: dlq, ANALYZER_RULES_FILE: rules, ANALYZER_ALLOWED_LATENESS_MS: '2000' },
  };
  const processes = new ServiceProcesses();
  const pids = new Map<ServiceProcessName, number | undefined>(SERVICES.map((s) => [s, processes.start(s, env[s]).pid]));
  const startedAt = Date.now();
  const lokiCount = (): Promise<number> => countOfJobOn(loki, p.job, startedAt - 3_600_000, Date.now() + 600_000).catch(() => 0);
  const esCount = async (): Promise<number> => (await es.count({ index: `${p.prefix}-*`, allow_no_indices: true, ignore_unavailable: true }).catch(() => ({ count: 0 }))).count;

  const series: Series[] = [];
  const notes: string[] = [];
  try {
    // 1. Throughput: N records as fast as the collector publishes them, until all three destinations have them.
    const t0 = performance.now();
    const produced = await runProduce(['--count', String(size.records), '--rate', '0', '--nodes', '24', '--seed', String(context.seed), '--topic', p.raw, '--brokers', context.brokers.join(',')], () => undefined);
    const producedSeconds = (performance.now() - t0) / 1000;
    const reached = { es: 0, loki: 0, analyzer: 0 };
    for (const deadline = performance.now() + 15 * 60_000; performance.now() < deadline && Object.values(reached).some((t) => t === 0); await sleep(500)) {
      const now = (performance.now() - t0) / 1000;
      if (reached.es === 0 && (await esCount()) >= size.records) reached.es = now;
      if (reached.loki === 0 && (await lokiCount()) >= size.records) reached.loki = now;
      if (reached.analyzer === 0 && (await context.topics.committedOffsets(`${id}-analyzer`, p.enriched).then((m) => [...m.values()].reduce((s, n) => s + Math.max(0, n), 0))) >= size.records) reached.analyzer = now;
    }
    if (Object.values(reached).some((t) => t === 0)) throw new Error(`end-to-end: not every destination got ${size.records} records in 15 minutes (${JSON.stringify(reached)})`);
    const all = Math.max(reached.es, reached.loki, reached.analyzer);
    series.push(single('throughput', 'sustained throughput, all services (produce -> ES, Loki and analyzer)', 'records/s', produced.produced / all, { producerSeconds: producedSeconds, esSeconds: reached.es, lokiSeconds: reached.loki, analyzerSeconds: reached.analyzer }));
    context.log(`  ${produced.produced} records: ES after ${reached.es.toFixed(1)} s, Loki ${reached.loki.toFixed(1)} s, analyzer ${reached.analyzer.toFixed(1)} s -> ${(produced.produced / all).toFixed(0)} records/s`);
    for (const s of SERVICES) series.push(single(`rss-${s}`, `peak RSS under load: ${s}`, 'MB', peakRssMb(pids.get(s)) ?? Number.NaN, {}, true));

    // 2. Latency of probes on a caught-up pipeline with background load.
    const latencies = await probeLatencies(context, p, es, loki, size.probes, startedAt);
    for (const [key, label] of [['es', 'produce -> searchable in Elasticsearch'], ['loki', 'produce -> queryable in Loki'], ['alert', 'produce -> FIRING alert on the topic']] as const) {
      const samples = latencies[key];
      series.push({ id: `latency-${key}`, label: `latency ${label}`, unit: 's', lowerIsBetter: true, summary: summarize(samples), extra: { p50: percentile(samples, 0.5), p95: percentile(samples, 0.95), p99: percentile(samples, 0.99) } });
      context.log(`  latency ${label}: p50 ${percentile(samples, 0.5).toFixed(2)} s, p95 ${percentile(samples, 0.95).toFixed(2)} s, p99 ${percentile(samples, 0.99).toFixed(2)} s`);
    }

    // 3. A sink's memory while its server is away and records keep coming.
    const stack = new LocalStack(stackConfigFromEnv());
    for (const [server, sink, count] of [['loki', 'sink-loki', lokiCount], ['elasticsearch', 'sink-es', esCount]] as const) {
      if (!stack.server(server).process.isRunning() || stack.server(server).endpoint !== (server === 'loki' ? urls.loki : urls.es)) {
        notes.push(`RSS while ${server} is stopped: not measured (${server} is not the local stack's process).`);
        continue;
      }
      const pid = pids.get(sink);
      const before = rssMb(pid);
      const target = (await count()) + size.blockedSeconds * 1_000;
      await stack.down([server]);
      let peak = before;
      const load = runProduce(['--count', String(size.blockedSeconds * 1_000), '--rate', '1000', '--seed', String(context.seed + 100 + series.length), '--topic', p.raw, '--brokers', context.brokers.join(',')], () => undefined);
      for (const until = performance.now() + size.blockedSeconds * 1000; performance.now() < until; await sleep(1_000)) peak = Math.max(peak, rssMb(pid));
      await load;
      await stack.up([server]);
      const back = performance.now();
      let counted = await count();
      while (counted < target && performance.now() - back < 5 * 60_000) {
        await sleep(1_000);
        counted = await count();
      }
      // Short of the target after 5 minutes: reported as such, with the shortfall, not as a time.
      const caughtUp = counted >= target ? (performance.now() - back) / 1000 : Number.NaN;
      series.push(single(`blocked-${sink}`, `RSS of ${sink} while ${server} is stopped ${size.blockedSeconds} s under 1,000 records/s`, 'MB', peak, { rssBeforeMb: before, rssAfterMb: rssMb(pid), caughtUpSeconds: caughtUp, shortOfTarget: target - Math.min(counted, target) }, true));
      if (counted < target) notes.push(`${server} restart: after 5 minutes ${server} counted ${counted.toLocaleString('en-US')} of the ${target.toLocaleString('en-US')} expected records (${(target - counted).toLocaleString('en-US')} short).`);
      context.log(`  ${sink} with ${server} stopped: RSS ${before.toFixed(0)} MB before, ${peak.toFixed(0)} MB peak; ${counted >= target ? `caught up ${caughtUp.toFixed(0)} s after the restart` : `${target - counted} records short of the target 5 minutes after the restart`}`);
    }
  } finally {
    await processes.stopAll();
    await loki.close();
    await deleteIndicesOfPrefix(es, p.prefix).catch(() => undefined);
    await es.close();
    await context.topics.deleteGroups([`${id}-enricher`, `${id}-sink-es`, `${id}-sink-loki`, `${id}-analyzer`, `${id}-analyzer.merge`]);
    await context.topics.deleteOthers([`${id}-analyzer.partials`, `${id}-analyzer.state`]);
  }
  return {
    name: endToEndScenario.name,
    title: endToEndScenario.title,
    description: endToEndScenario.description,
    parameters: { records: size.records, probes: size.probes, blockedSeconds: size.blockedSeconds, partitions: 6, syntheticNodes: 24, seed: context.seed },
    series,
    comparisons: [],
    headline: ['throughput', 'latency-es', 'latency-loki', 'latency-alert'],
    baselineCommands: [],
    notes: [
      'No baseline: this is the whole pipeline. The throughput is bounded by the slowest stage on a 2-core machine that also runs Kafka, Elasticsearch and Loki.',
      "Latency samples are the probes' (p50/p95/p99 in the detail table; with few probes p99 is the worst one). Elasticsearch refreshes every second (the template's refresh_interval), so up to 1 s of its latency is the refresh.",
      'The FIRING latency includes waiting for the analyzer to see the 5th error; a burst that lands in a window after the earliest open one waits for the allowed lateness (2 s here).',
      ...notes,
    ],
    seconds: (performance.now() - started) / 1000,
  };
}

/** For each probe: 5 ERROR records from a new node; seconds until ES finds the first, Loki returns it, and the alert fires. */
async function probeLatencies(context: ScenarioContext, p: Pipeline, es: Client, loki: LokiQueryClient, probes: number, startedAt: number): Promise<{ es: number[]; loki: number[]; alert: number[] }> {
  const codec = new AvroCodec();
  const kafka = new Kafka({ clientId: 'logpipe-bench-e2e', brokers: [...context.brokers], logLevel: logLevel.NOTHING });
  const producer = kafka.producer();
  const reader = kafka.consumer({ groupId: `${p.group}-alert-reader` });
  const fired = new Map<string, number>();
  await producer.connect();
  await reader.connect();
  await reader.subscribe({ topic: p.alerts, fromBeginning: true });
  await reader.run({
    eachMessage: async ({ message }) => {
      const alert = codec.decode<AlertEvent>(message.value as Buffer, ALERT_EVENT_SCHEMA).value;
      if (alert.status === 'FIRING' && !fired.has(alert.group_key)) fired.set(alert.group_key, performance.now());
    },
  });
  let feeding = true;
  const feeder = (async () => {
    for (let n = 0; feeding; n++) {
      const messages = Array.from({ length: 20 }, (_, i) => {
        const node = `bg-${(n * 20 + i) % 24}`;
        return { key: node, value: codec.encode(LOG_RECORD_SCHEMA, buildLogRecord({ level: 'INFO', message: 'heartbeat ok', component: 'system' }, { service: 'storage-node', nodeId: node })) };
      });
      await producer.send({ topic: p.raw, messages });
      await sleep(100);
    }
  })();
  const out = { es: [] as number[], loki: [] as number[], alert: [] as number[] };
  try {
    await sleep(10_000);
    for (let i = 0; i < probes; i++) {
      const node = `probe-${i}`;
      const records = Array.from({ length: 5 }, () => buildLogRecord({ level: 'ERROR', message: `disk full on volume vol-${i}`, component: 'storage' }, { service: 'storage-node', nodeId: node }));
      const logId = (records[0] as { log_id: string }).log_id;
      const t0 = performance.now();
      await producer.send({ topic: p.raw, messages: records.map((r) => ({ key: node, value: codec.encode(LOG_RECORD_SCHEMA, r) })) });
      const seen = { es: 0, loki: 0 };
      const deadline = t0 + PROBE_TIMEOUT_MS;
      await Promise.all([
        (async () => {
          while (seen.es === 0 && performance.now() < deadline) {
            const found = await es.search({ index: `${p.prefix}-*`, size: 0, track_total_hits: true, query: { ids: { values: [logId] } } }).catch(() => undefined);
            if (typeof found?.hits.total === 'object' && found.hits.total.value > 0) seen.es = performance.now();
            else await sleep(50);
          }
        })(),
        (async () => {
          while (seen.loki === 0 && performance.now() < deadline) {
            const nowNs = BigInt(Date.now() + 60_000) * 1_000_000n;
            const data = await loki.queryRange({ query: `{job="${p.job}", node_id="${node}"} | log_id="${logId}"`, startNs: BigInt(startedAt - 3_600_000) * 1_000_000n, endNs: nowNs, limit: 1, direction: 'backward' }).catch(() => undefined);
            if (data?.resultType === 'streams' && data.result.some((s) => s.values.length > 0)) seen.loki = performance.now();
            else await sleep(100);
          }
        })(),
        (async () => {
          while (!fired.has(`node_id=${node}`) && performance.now() < deadline) await sleep(20);
        })(),
      ]);
      const alertAt = fired.get(`node_id=${node}`);
      if (seen.es === 0 || seen.loki === 0 || alertAt === undefined) throw new Error(`end-to-end: probe ${node} not seen everywhere within ${PROBE_TIMEOUT_MS / 1000} s (ES ${seen.es > 0}, Loki ${seen.loki > 0}, alert ${alertAt !== undefined})`);
      out.es.push((seen.es - t0) / 1000);
      out.loki.push((seen.loki - t0) / 1000);
      out.alert.push((alertAt - t0) / 1000);
      context.log(`  probe ${i + 1}/${probes}: ES ${((seen.es - t0) / 1000).toFixed(2)} s, Loki ${((seen.loki - t0) / 1000).toFixed(2)} s, FIRING ${((alertAt - t0) / 1000).toFixed(2)} s`);
      await sleep(1_000);
    }
  } finally {
    feeding = false;
    await feeder;
    await reader.disconnect();
    await producer.disconnect();
    await context.topics.deleteGroups([`${p.group}-alert-reader`]);
  }
  return out;
}

function single(id: string, label: string, unit: string, value: number, extra: Record<string, number>, lowerIsBetter = false): Series {
  return { id, label, unit, ...(lowerIsBetter ? { lowerIsBetter: true } : {}), summary: summarize([value]), extra };
}

/** Nearest-rank percentile. */
function percentile(samples: readonly number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] as number;
}
