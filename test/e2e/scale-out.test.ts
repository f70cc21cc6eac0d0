import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@elastic/elasticsearch';
import { AssignerProtocol } from 'kafkajs';
import { runProduce } from '../../services/producer/produce-command';
import { deleteIndicesOfPrefix } from '../harness/es-prefix-cleanup';
import { KafkaTestTopics } from '../harness/kafka-test-topics';
import { ServiceProcesses } from '../harness/service-processes';
import { testEndpoints } from '../harness/test-endpoints';
import { uniqueName } from '../harness/unique-name';
import { alertKey, decodeAlert, rulesFile } from '../integration/analyzer/analyzer-run';
import { countOfJob } from '../integration/sink-loki/loki-entries';

const RECORDS = 20_000;

describe('scale out: the same stream through 1 and through 3 instances of every service (separate processes)', () => {
  const topics = new KafkaTestTopics();
  const es = new Client({ node: testEndpoints().esUrl });
  const processes = new ServiceProcesses();
  const prefixes: string[] = [];
  const internal: string[] = [];
  afterAll(async () => {
    await processes.stopAll();
    for (const prefix of prefixes) {
      await deleteIndicesOfPrefix(es, prefix);
    }
    await es.close();
    const admin = topics.kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: internal }).catch(() => undefined);
    await admin.disconnect();
    await topics.cleanup();
  });

  /** Runs the pipeline with `instances` processes per service; returns what reached ES and the alerts. */
  async function runPipeline(raw: string, instances: number) {
    const enriched = await topics.create(`so-enriched-${instances}`, 6);
    const dlq = await topics.create(`so-dlq-${instances}`, 1);
    const alerts = await topics.create(`so-alerts-${instances}`, 1);
    const summaries = await topics.create(`so-summaries-${instances}`, 1);
    const prefix = uniqueName(`so-logs-${instances}`);
    prefixes.push(prefix);
    const run = uniqueName(`so-${instances}`);
    const job = run.replace(/[^A-Za-z0-9_]/g, '_');
    const startedAt = Date.now();
    internal.push(`${run}-analyzer.partials`, `${run}-analyzer.state`);
    const common = { KAFKA_BROKERS: testEndpoints().kafkaBrokers };
    const rules = rulesFile({
      rules: [{ id: 'errors', name: 'Error burst', severity: 'error', kind: 'frequency', match: { levels: ['ERROR', 'CRITICAL'] }, threshold: 5, window: '5m', every: '1m' }],
    });
    for (let i = 1; i <= instances; i++) {
      processes.start('enricher', { ...common, ENRICHER_GROUP_ID: `${run}-enricher`, ENRICHER_INSTANCE_ID: `e${i}`, ENRICHER_INPUT_TOPIC: raw, ENRICHER_OUTPUT_TOPIC: enriched, ENRICHER_DLQ_TOPIC: dlq, ENRICHER_SESSION_TIMEOUT_MS: '6000' });
      processes.start('sink-es', { ...common, ES_URL: testEndpoints().esUrl, SINK_ES_GROUP_ID: `${run}-sink-es`, SINK_ES_INPUT_TOPIC: enriched, SINK_ES_DLQ_TOPIC: dlq, SINK_ES_INDEX_PREFIX: prefix, SINK_ES_SESSION_TIMEOUT_MS: '6000', SINK_ES_FLUSH_INTERVAL_MS: '200' });
      processes.start('sink-loki', { ...common, LOKI_URL: testEndpoints().lokiUrl, SINK_LOKI_GROUP_ID: `${run}-sink-loki`, SINK_LOKI_INPUT_TOPIC: enriched, SINK_LOKI_DLQ_TOPIC: dlq, SINK_LOKI_JOB: job, SINK_LOKI_SESSION_TIMEOUT_MS: '6000', SINK_LOKI_FLUSH_INTERVAL_MS: '200' });
      processes.start('analyzer', {
        ...common,
        ANALYZER_GROUP_ID: `${run}-analyzer`,
        ANALYZER_INSTANCE_ID: `a${i}`,
        ANALYZER_INPUT_TOPIC: enriched,
        ANALYZER_ALERTS_TOPIC: alerts,
        ANALYZER_SUMMARIES_TOPIC: summaries,
        ANALYZER_DLQ_TOPIC: dlq,
        ANALYZER_RULES_FILE: rules,
        ANALYZER_ALLOWED_LATENESS_MS: '2000',
        ANALYZER_IDLE_TIMEOUT_MS: '2000',
        ANALYZER_SESSION_TIMEOUT_MS: '6000',
      });
    }
    const deadline = Date.now() + 240_000;
    while ((await topics.committed(`${run}-sink-es`, enriched)) < RECORDS && Date.now() < deadline) await sleep(1_000);
    let inLoki = 0;
    while ((inLoki = await countOfJob(job, startedAt - 600_000, Date.now() + 60_000).catch(() => 0)) < RECORDS && Date.now() < deadline) await sleep(1_000);
    // Who is in each group while every instance is alive: polled, since a late joiner (the
    // stream can be done before the last instance joined) triggers a rebalance of its own.
    const admin = topics.kafka.admin();
    await admin.connect();
    const groupIds = [`${run}-enricher`, `${run}-sink-es`, `${run}-sink-loki`, `${run}-analyzer`];
    let membersWithPartitions: number[] = [];
    for (const until = Date.now() + 60_000; Date.now() < until; await sleep(1_000)) {
      const { groups } = await admin.describeGroups(groupIds);
      membersWithPartitions = groupIds.map((id) => {
        const g = groups.find((x) => x.groupId === id);
        const holdsPartitions = (m: { memberAssignment: Buffer }) => Object.values(AssignerProtocol.MemberAssignment.decode(m.memberAssignment)?.assignment ?? {}).some((p) => p.length > 0);
        return g?.state === 'Stable' ? g.members.filter(holdsPartitions).length : 0;
      });
      if (membersWithPartitions.every((n) => n === instances)) break;
    }
    await admin.disconnect();
    const alertEvents = (await topics.drain(alerts, 1, 8_000)).map((m) => decodeAlert(m.value));
    expect(await processes.stopAll()).toEqual(Array(instances * 4).fill(0));
    await es.indices.refresh({ index: `${prefix}-*` });
    const count = (await es.count({ index: `${prefix}-*` })).count;
    // _id is the log_id and all records share one daily index: the count is the number of distinct ids.
    return { count, inLoki, membersWithPartitions, alerts: alertEvents.map(alertKey).sort() };
  }

  it(`delivers ${RECORDS} records exactly once to Elasticsearch and Loki and raises the same alerts with 1 and with 3 instances`, async () => {
    const raw = await topics.create('so-raw', 6);
    const produced = await runProduce(['--count', String(RECORDS), '--nodes', '24', '--seed', '5', '--rate', '0', '--topic', raw, '--brokers', testEndpoints().kafkaBrokers], () => undefined);
    expect(produced.produced).toBe(RECORDS);

    const one = await runPipeline(raw, 1);
    expect(one.count).toBe(RECORDS);
    expect(one.inLoki).toBe(RECORDS);
    expect(one.membersWithPartitions).toEqual([1, 1, 1, 1]);
    expect(one.alerts.length).toBeGreaterThan(0);

    const three = await runPipeline(raw, 3);
    expect(three.count).toBe(RECORDS);
    expect(three.inLoki).toBe(RECORDS);
    expect(three.membersWithPartitions).toEqual([3, 3, 3, 3]);
    expect(three.alerts).toEqual(one.alerts);
  }, 480_000);
});
