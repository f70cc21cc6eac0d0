import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@elastic/elasticsearch';
import { AvroCodec } from '../../lib/codec';
import { LOG_RECORD_SCHEMA } from '../../lib/records';
import type { WindowSummary } from '../../services/analyzer/stats/summary-types';
import { buildLogRecord } from '../../services/producer/build-log-record';
import { runProduce } from '../../services/producer/produce-command';
import { decodeSummary, rulesFile, TEST_RULES } from '../integration/analyzer/analyzer-run';
import { countOfJob } from '../integration/sink-loki/loki-entries';
import { peakRssMb, reportChaos } from './chaos-report';
import { deleteIndicesOfPrefix } from './es-prefix-cleanup';
import { KafkaTestTopics } from './kafka-test-topics';
import { ServiceProcesses, type ServiceProcessName } from './service-processes';
import { testEndpoints } from './test-endpoints';
import { uniqueName } from './unique-name';

export type ChaosService = ServiceProcessName;
const codec = new AvroCodec();

export interface Reconciliation {
  readonly sent: number;
  readonly inElasticsearch: number;
  readonly inLoki: number;
  readonly countedByAnalyzer: number;
  readonly deadLettered: number;
  readonly lost: number;
  readonly duplicated: number;
}

/**
 * The pipeline as separate processes on topics, groups and an index of its own, for the chaos
 * tests: start it, publish load, break things, then reconcile every record against Elasticsearch,
 * the analyzer's summaries and the dead-letter topic.
 */
export class ChaosPipeline {
  readonly topics = new KafkaTestTopics();
  readonly es = new Client({ node: testEndpoints().esUrl });
  readonly processes = new ServiceProcesses();
  readonly prefix = uniqueName('chaos-logs');
  readonly run = uniqueName('chaos');
  /** The Loki job label of this run's entries. */
  readonly job = this.run.replace(/[^A-Za-z0-9_]/g, '_');
  private readonly startedAt = Date.now();
  readonly running = new Map<ChaosService, ChildProcess>();
  private readonly peaks = new Map<string, number>();
  names: { raw: string; enriched: string; dlq: string; alerts: string; summaries: string } | undefined;
  private produced = 0;
  private bad = 0;
  /** Each load gets its own seed: the same seed would give the same log_ids again. */
  private loads = 0;

  async create(): Promise<void> {
    this.names = {
      raw: await this.topics.create('chaos-raw', 6),
      enriched: await this.topics.create('chaos-enriched', 6),
      dlq: await this.topics.create('chaos-dlq', 1),
      alerts: await this.topics.create('chaos-alerts', 1),
      summaries: await this.topics.create('chaos-summaries', 1),
    };
  }

  env(service: ChaosService): NodeJS.ProcessEnv {
    const n = this.names as NonNullable<ChaosPipeline['names']>;
    const common = { KAFKA_BROKERS: testEndpoints().kafkaBrokers };
    switch (service) {
      case 'enricher':
        return { ...common, ENRICHER_GROUP_ID: `${this.run}-enricher`, ENRICHER_INSTANCE_ID: 'c1', ENRICHER_INPUT_TOPIC: n.raw, ENRICHER_OUTPUT_TOPIC: n.enriched, ENRICHER_DLQ_TOPIC: n.dlq, ENRICHER_SESSION_TIMEOUT_MS: '6000' };
      case 'sink-es':
        return { ...common, ES_URL: testEndpoints().esUrl, SINK_ES_GROUP_ID: `${this.run}-sink-es`, SINK_ES_INPUT_TOPIC: n.enriched, SINK_ES_DLQ_TOPIC: n.dlq, SINK_ES_INDEX_PREFIX: this.prefix, SINK_ES_SESSION_TIMEOUT_MS: '6000', SINK_ES_FLUSH_INTERVAL_MS: '200' };
      case 'sink-loki':
        return { ...common, LOKI_URL: testEndpoints().lokiUrl, SINK_LOKI_GROUP_ID: `${this.run}-sink-loki`, SINK_LOKI_INPUT_TOPIC: n.enriched, SINK_LOKI_DLQ_TOPIC: n.dlq, SINK_LOKI_JOB: this.job, SINK_LOKI_SESSION_TIMEOUT_MS: '6000', SINK_LOKI_FLUSH_INTERVAL_MS: '200', SINK_LOKI_RETRY_MAX_MS: '2000' };
      case 'analyzer':
        return {
          ...common,
          ANALYZER_GROUP_ID: `${this.run}-analyzer`,
          ANALYZER_INSTANCE_ID: 'c1',
          ANALYZER_INPUT_TOPIC: n.enriched,
          ANALYZER_ALERTS_TOPIC: n.alerts,
          ANALYZER_SUMMARIES_TOPIC: n.summaries,
          ANALYZER_DLQ_TOPIC: n.dlq,
          ANALYZER_RULES_FILE: rulesFile(TEST_RULES),
          ANALYZER_SUMMARY_WINDOW_MS: '10000',
          ANALYZER_ALLOWED_LATENESS_MS: '2000',
          // Longer than a killed enricher's absence: a quiet input must not be taken for an idle one.
          ANALYZER_IDLE_TIMEOUT_MS: '20000',
          ANALYZER_SESSION_TIMEOUT_MS: '6000',
        };
    }
  }

  /** The consumer group and input topic whose committed offsets show a service's progress. */
  progressOf(service: ChaosService): [string, string] {
    const n = this.names as NonNullable<ChaosPipeline['names']>;
    return { enricher: [`${this.run}-enricher`, n.raw], 'sink-es': [`${this.run}-sink-es`, n.enriched], 'sink-loki': [`${this.run}-sink-loki`, n.enriched], analyzer: [`${this.run}-analyzer`, n.enriched] }[service] as [string, string];
  }

  startAll(): void {
    for (const s of ['enricher', 'sink-es', 'sink-loki', 'analyzer'] as const) this.start(s);
  }

  start(service: ChaosService): ChildProcess {
    const child = this.processes.start(service, this.env(service));
    this.running.set(service, child);
    return child;
  }

  /** Another instance of a service, with an instance id of its own, beside the one in `running`: scaling during a run. */
  startExtra(service: ChaosService, instanceId: string): ChildProcess {
    const ids = service === 'enricher' ? { ENRICHER_INSTANCE_ID: instanceId } : service === 'analyzer' ? { ANALYZER_INSTANCE_ID: instanceId } : {};
    return this.processes.start(service, { ...this.env(service), ...ids });
  }

  notePeak(service: string, pid: number | undefined): void {
    const peak = peakRssMb(pid);
    if (peak !== undefined) this.peaks.set(service, Math.max(this.peaks.get(service) ?? 0, peak));
  }

  peakSummary(): string {
    for (const [name, p] of this.running) this.notePeak(name, p.pid);
    return [...this.peaks].map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ');
  }

  /** Undecodable records (each must reach the dead-letter topic), then `count` records at `rate`/s. */
  async load(count: number, rate: number, bad = 0): Promise<void> {
    const n = this.names as NonNullable<ChaosPipeline['names']>;
    if (bad > 0) {
      const producer = this.topics.kafka.producer();
      await producer.connect();
      await producer.send({ topic: n.raw, messages: Array.from({ length: bad }, (_, i) => ({ key: `bad-${i}`, value: Buffer.from(`not avro ${i}`) })) });
      await producer.disconnect();
      this.bad += bad;
    }
    const seed = String(21 + this.loads++);
    const result = await runProduce(['--count', String(count), '--rate', String(rate), '--nodes', '12', '--seed', seed, '--topic', n.raw, '--brokers', testEndpoints().kafkaBrokers], () => undefined);
    this.produced += result.produced;
  }

  /** Waits for everything to arrive, stops the services (they must exit 0) and counts. */
  async reconcile(timeoutMs = 240_000): Promise<Reconciliation & { exitCodes: Array<number | null> }> {
    const n = this.names as NonNullable<ChaosPipeline['names']>;
    // A record ahead in event time closes every summary window of the run (its own stays open);
    // 5 minutes: within what Loki accepts from the future (10 minutes).
    const sentinel = buildLogRecord({ level: 'INFO', message: 'sentinel', component: 'system', timestampMicros: (Date.now() + 300_000) * 1000 }, { service: 'chaos', nodeId: 'sentinel' });
    const producer = this.topics.kafka.producer();
    await producer.connect();
    await producer.send({ topic: n.raw, messages: [{ key: 'sentinel', value: codec.encode(LOG_RECORD_SCHEMA, sentinel) }] });
    await producer.disconnect();
    const good = this.produced + 1;
    const deadline = Date.now() + timeoutMs;
    let inEs = 0;
    while (Date.now() < deadline) {
      await this.es.indices.refresh({ index: `${this.prefix}-*` }).catch(() => undefined);
      inEs = (await this.es.count({ index: `${this.prefix}-*` }).catch(() => ({ count: 0 }))).count;
      if (inEs >= good) break;
      await sleep(1_000);
    }
    let inLoki = 0;
    let mostInLoki = 0;
    const lokiDeadline = Math.max(deadline, Date.now() + 30_000); // each stage gets a look, even after a stuck one
    // Until the count is exactly right: once (CI, after Loki's restart) it read 593 over the sent
    // count at the first look, which never came back in local runs. A count over that stays is
    // reported as duplicates at the deadline; one that settles is named on stderr.
    while (Date.now() < lokiDeadline) {
      inLoki = await countOfJob(this.job, this.startedAt - 60_000, Date.now() + 600_000).catch(() => 0);
      mostInLoki = Math.max(mostInLoki, inLoki);
      if (inLoki === good) break;
      await sleep(1_000);
    }
    if (mostInLoki > inLoki) process.stderr.write(`chaos reconcile: Loki counted up to ${mostInLoki} of ${good} before settling at ${inLoki}\n`);
    // Summaries come when event time passes their windows: read until they account for every record.
    let windows: WindowSummary[] = [];
    const summariesDeadline = Math.max(deadline, Date.now() + 30_000);
    while (Date.now() < summariesDeadline) {
      windows = (await this.topics.drain(n.summaries, 1, 2_000, 30_000)).map((m) => decodeSummary(m.value));
      if (windows.reduce((sum, w) => sum + w.total, 0) >= this.produced) break;
      await sleep(2_000);
    }
    this.peakSummary();
    if (inEs < good || inLoki < good) {
      const progress: string[] = [`raw holds ${await this.topics.countRecords(n.raw)} (sent ${good + this.bad})`];
      for (const s of ['enricher', 'sink-es', 'sink-loki', 'analyzer'] as const) progress.push(`${s} committed ${await this.topics.committed(...this.progressOf(s))}`);
      process.stderr.write(`chaos reconcile: ES ${inEs}, Loki ${inLoki} of ${good}; ${progress.join(', ')}\n`);
    }
    const exitCodes = await this.processes.stopAll();
    const deadLetters = (await this.topics.drain(n.dlq, this.bad, 3_000)).length;
    const counted = windows.reduce((sum, w) => sum + w.total, 0);
    const starts = windows.map((w) => w.window_start);
    return {
      sent: good + this.bad,
      inElasticsearch: inEs,
      inLoki,
      countedByAnalyzer: counted,
      deadLettered: deadLetters,
      lost: Math.max(0, good - inEs) + Math.max(0, good - inLoki) + Math.max(0, this.produced - counted) + Math.max(0, this.bad - deadLetters),
      duplicated: Math.max(0, inEs - good) + Math.max(0, inLoki - good) + Math.max(0, counted - this.produced) + Math.max(0, deadLetters - this.bad) + (starts.length - new Set(starts).size),
      exitCodes,
    };
  }

  /** The scenario's row of the chaos table (stderr, and $LOGPIPE_CHAOS_REPORT). */
  report(scenario: string, r: Reconciliation, recovery: string): void {
    reportChaos({
      scenario,
      sent: r.sent,
      delivered: `ES ${r.inElasticsearch}, Loki ${r.inLoki}, analyzer ${r.countedByAnalyzer}`,
      deadLettered: r.deadLettered,
      lost: r.lost,
      duplicated: r.duplicated,
      recoverySeconds: recovery,
      peakRssMb: this.peakSummary(),
    });
  }

  async cleanup(): Promise<void> {
    await this.processes.stopAll();
    await deleteIndicesOfPrefix(this.es, this.prefix).catch(() => undefined);
    await this.es.close();
    const admin = this.topics.kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [`${this.run}-analyzer.partials`, `${this.run}-analyzer.state`] }).catch(() => undefined);
    await admin.disconnect();
    await this.topics.cleanup();
  }
}
