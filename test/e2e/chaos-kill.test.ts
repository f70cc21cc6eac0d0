import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@elastic/elasticsearch';
import { AvroCodec } from '../../lib/codec';
import { LOG_RECORD_SCHEMA } from '../../lib/records';
import type { WindowSummary } from '../../services/analyzer/stats/summary-types';
import { buildLogRecord } from '../../services/producer/build-log-record';
import { runProduce } from '../../services/producer/produce-command';
import { peakRssMb, reportChaos } from '../harness/chaos-report';
import { KafkaTestTopics } from '../harness/kafka-test-topics';
import { ServiceProcesses, type ServiceProcessName } from '../harness/service-processes';
import { testEndpoints } from '../harness/test-endpoints';
import { uniqueName } from '../harness/unique-name';
import { decodeSummary, rulesFile, TEST_RULES } from '../integration/analyzer/analyzer-run';

const RATE = 1_000;
const SECONDS = 60;
const BAD = 100;
const codec = new AvroCodec();

/**
 * Chaos 1: while the load generator publishes, every service process is killed -9 in turn,
 * several times, and restarted at once. Then every record must be in Elasticsearch and counted
 * once by the analyzer's summaries, every bad record once in the dead-letter topic.
 */
describe('chaos: kill -9 each service again and again while logs arrive', () => {
  const topics = new KafkaTestTopics();
  const es = new Client({ node: testEndpoints().esUrl });
  const processes = new ServiceProcesses();
  const prefix = uniqueName('chaos-kill');
  const run = uniqueName('chaos');
  afterAll(async () => {
    await processes.stopAll();
    await es.indices.delete({ index: `${prefix}*`, ignore_unavailable: true, allow_no_indices: true });
    await es.indices.deleteIndexTemplate({ name: prefix }).catch(() => undefined);
    await es.close();
    const admin = topics.kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: [`${run}-analyzer.partials`, `${run}-analyzer.state`] }).catch(() => undefined);
    await admin.disconnect();
    await topics.cleanup();
  });

  it('loses nothing and duplicates nothing', async () => {
    const raw = await topics.create('chaos-raw', 6);
    const enriched = await topics.create('chaos-enriched', 6);
    const dlq = await topics.create('chaos-dlq', 1);
    const alerts = await topics.create('chaos-alerts', 1);
    const summaries = await topics.create('chaos-summaries', 1);
    const common = { KAFKA_BROKERS: testEndpoints().kafkaBrokers };
    const envs: Record<Exclude<ServiceProcessName, 'sink-loki'>, NodeJS.ProcessEnv> = {
      enricher: { ...common, ENRICHER_GROUP_ID: `${run}-enricher`, ENRICHER_INSTANCE_ID: 'c1', ENRICHER_INPUT_TOPIC: raw, ENRICHER_OUTPUT_TOPIC: enriched, ENRICHER_DLQ_TOPIC: dlq, ENRICHER_SESSION_TIMEOUT_MS: '6000' },
      'sink-es': { ...common, ES_URL: testEndpoints().esUrl, SINK_ES_GROUP_ID: `${run}-sink-es`, SINK_ES_INPUT_TOPIC: enriched, SINK_ES_DLQ_TOPIC: dlq, SINK_ES_INDEX_PREFIX: prefix, SINK_ES_SESSION_TIMEOUT_MS: '6000', SINK_ES_FLUSH_INTERVAL_MS: '200' },
      analyzer: {
        ...common,
        ANALYZER_GROUP_ID: `${run}-analyzer`,
        ANALYZER_INSTANCE_ID: 'c1',
        ANALYZER_INPUT_TOPIC: enriched,
        ANALYZER_ALERTS_TOPIC: alerts,
        ANALYZER_SUMMARIES_TOPIC: summaries,
        ANALYZER_DLQ_TOPIC: dlq,
        ANALYZER_RULES_FILE: rulesFile(TEST_RULES),
        ANALYZER_SUMMARY_WINDOW_MS: '10000',
        ANALYZER_ALLOWED_LATENESS_MS: '2000',
        // Longer than a killed enricher's absence: a quiet input must not be taken for an idle one.
        ANALYZER_IDLE_TIMEOUT_MS: '20000',
        ANALYZER_SESSION_TIMEOUT_MS: '6000',
      },
    };
    const groupOf = { enricher: [`${run}-enricher`, raw], 'sink-es': [`${run}-sink-es`, enriched], analyzer: [`${run}-analyzer`, enriched] } as const;
    const running = new Map<keyof typeof envs, ChildProcess>();
    for (const name of Object.keys(envs) as Array<keyof typeof envs>) running.set(name, processes.start(name, envs[name]));

    // Bad records first, so that they are in the stream from the start.
    const producer = topics.kafka.producer();
    await producer.connect();
    await producer.send({ topic: raw, messages: Array.from({ length: BAD }, (_, i) => ({ key: `bad-${i}`, value: Buffer.from(`not avro ${i}`) })) });
    const load = runProduce(['--count', String(RATE * SECONDS), '--rate', String(RATE), '--nodes', '12', '--seed', '21', '--topic', raw, '--brokers', testEndpoints().kafkaBrokers], () => undefined);

    const recoveries: Array<Promise<number>> = [];
    const peaks = new Map<string, number>();
    const notePeak = (name: string, pid: number | undefined) => {
      const peak = peakRssMb(pid);
      if (peak !== undefined) peaks.set(name, Math.max(peaks.get(name) ?? 0, peak));
    };
    // Eight kills spread over the load, one every 6 s; each replacement starts at once.
    const order: Array<keyof typeof envs> = ['enricher', 'sink-es', 'analyzer', 'enricher', 'analyzer', 'sink-es', 'enricher', 'analyzer'];
    for (const name of order) {
      await sleep(6_000);
      const victim = running.get(name) as ChildProcess;
      notePeak(name, victim.pid);
      const [group, topic] = groupOf[name];
      const before = await topics.committed(group, topic);
      victim.kill('SIGKILL');
      await new Promise((r) => victim.once('exit', r));
      const killedAt = Date.now();
      running.set(name, processes.start(name, envs[name]));
      // Recovered: the replacement commits past where the killed one stood (input keeps coming).
      recoveries.push(
        (async () => {
          while ((await topics.committed(group, topic)) <= before && Date.now() < killedAt + 60_000) await sleep(200);
          return (Date.now() - killedAt) / 1000;
        })(),
      );
    }
    const produced = (await load).produced;
    // A record far in event time closes every summary window of the run (its own stays open).
    const sentinel = buildLogRecord({ level: 'INFO', message: 'sentinel', component: 'system', timestampMicros: (Date.now() + 3_600_000) * 1000 }, { service: 'chaos', nodeId: 'sentinel' });
    await producer.send({ topic: raw, messages: [{ key: 'sentinel', value: codec.encode(LOG_RECORD_SCHEMA, sentinel) }] });
    await producer.disconnect();
    const good = produced + 1;

    const deadline = Date.now() + 180_000;
    let inEs = 0;
    while (Date.now() < deadline) {
      await es.indices.refresh({ index: `${prefix}-*` }).catch(() => undefined);
      inEs = (await es.count({ index: `${prefix}-*` }).catch(() => ({ count: 0 }))).count;
      if (inEs >= good) break;
      await sleep(1_000);
    }
    // Summaries come when event time passes their windows: read until they account for every record.
    let windows: WindowSummary[] = [];
    const until = Date.now() + 120_000;
    do {
      windows = (await topics.drain(summaries, 1, 2_000, 30_000)).map((m) => decodeSummary(m.value));
    } while (windows.reduce((n, w) => n + w.total, 0) < produced && Date.now() < until && (await sleep(2_000), true));
    for (const [name, p] of running) notePeak(name, p.pid);
    const recovered = await Promise.all(recoveries);
    expect(await processes.stopAll()).toEqual([0, 0, 0]);
    const deadLetters = await topics.drain(dlq, BAD, 3_000);
    const counted = windows.reduce((n, w) => n + w.total, 0);
    const windowStarts = windows.map((w) => w.window_start);

    reportChaos({
      scenario: `kill -9 x${order.length} (enricher 3, sink-es 2, analyzer 3)`,
      sent: good + BAD,
      delivered: `ES ${inEs}, analyzer ${counted}`,
      deadLettered: deadLetters.length,
      lost: good - inEs + (produced - counted) + (BAD - deadLetters.length),
      duplicated: Math.max(0, inEs - good) + Math.max(0, counted - produced) + (windowStarts.length - new Set(windowStarts).size),
      recoverySeconds: `max ${Math.max(...recovered).toFixed(1)}, median ${[...recovered].sort((a, b) => a - b)[Math.floor(recovered.length / 2)]?.toFixed(1)}`,
      peakRssMb: [...peaks].map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', '),
    });
    expect(produced).toBe(RATE * SECONDS);
    expect(inEs).toBe(good);
    expect(deadLetters).toHaveLength(BAD);
    expect(new Set(windowStarts).size).toBe(windowStarts.length);
    expect(counted).toBe(produced);
  }, 600_000);
});
