import { Kafka, logLevel } from 'kafkajs';
import { runReplay } from '../../../ops/replay-command';
import { runAlerts, runReport } from '../../../services/analyzer/analyzer-commands';
import { alertId } from '../../../services/analyzer/alerts/alert-id';
import type { AnalyzerService } from '../../../services/analyzer/analyzer-service';
import { MIN, T0 } from '../../harness/enriched-record-fixture';
import { KafkaTestTopics } from '../../harness/kafka-test-topics';
import { testEndpoints } from '../../harness/test-endpoints';
import { alertKey, analyzerConfig, analyzerTopics, burstStream, decodeAlert, decodeSummary, internalTopicNames, produceEnriched, startAnalyzer } from './analyzer-run';

describe('analyzer against the real Kafka', () => {
  const topics = new KafkaTestTopics();
  const kafka = new Kafka({ clientId: 'analyzer-test', brokers: testEndpoints().kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
  const producer = kafka.producer({ idempotent: true });
  const running: AnalyzerService[] = [];
  const internal: string[] = [];
  beforeAll(() => producer.connect());
  afterAll(async () => {
    await Promise.all(running.map((s) => s.stop()));
    await producer.disconnect();
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics: internal }).catch(() => undefined);
    await admin.disconnect();
    await topics.cleanup();
  });

  async function stopAll(): Promise<void> {
    await Promise.all(running.splice(0).map((s) => s.stop()));
  }

  // Hand-computed from burstStream(): windows of 5 minutes hopping by 1.
  // errors: the first window holding minute 10's 10 errors is [6m, 11m), the first without them [11m, 16m);
  // node-2's 6 errors in minute 20 make [16m, 21m) fire and [21m, 26m) resolve.
  // node-errors (3 in 2 minutes per node): minute 10 gives nodes 0..5 (10 errors: nodes 0-3 two each... see below).
  const expectedGlobal = [
    `errors||${alertId('errors', '', T0 + 6 * MIN)}|FIRING|0`,
    `errors||${alertId('errors', '', T0 + 6 * MIN)}|RESOLVED|0`,
    `errors||${alertId('errors', '', T0 + 16 * MIN)}|FIRING|0`,
    `errors||${alertId('errors', '', T0 + 16 * MIN)}|RESOLVED|0`,
  ];
  // Per node: minute 10 has 10 errors over 6 nodes (nodes 0-3 two, 4-5 one): under 3 each, no alert.
  // Minute 20: node-2 logs every 6 s, 6 errors in 36 s -> window [19m, 21m) fires, [21m, 23m) resolves.
  const expectedNode = [
    `node-errors|node_id=node-2|${alertId('node-errors', 'node_id=node-2', T0 + 19 * MIN)}|FIRING|0`,
    `node-errors|node_id=node-2|${alertId('node-errors', 'node_id=node-2', T0 + 19 * MIN)}|RESOLVED|0`,
  ];

  it('turns a stream with known error bursts into exactly the expected alerts and summaries; a reset and replay gives the same ids', async () => {
    const t = await analyzerTopics(topics);
    const records = burstStream();
    await produceEnriched(producer, t.input, records);
    const config = analyzerConfig(t);
    internal.push(...internalTopicNames(config));
    running.push(startAnalyzer(config));

    const alerts = (await topics.drain(t.alerts, 6, 5_000)).map((m) => decodeAlert(m.value));
    expect(alerts.map(alertKey).sort()).toEqual([...expectedGlobal, ...expectedNode].sort());
    const firing = alerts.find((a) => a.rule_id === 'errors' && a.status === 'FIRING');
    expect(firing).toMatchObject({ severity: 'error', window_start: T0 + 6 * MIN, window_end: T0 + 11 * MIN, threshold: 5 });
    expect(firing?.sample_log_ids.length).toBe(5);

    // Windows are merged on different partials partitions: their summaries arrive in any order.
    const summaries = (await topics.drain(t.summaries, 3, 3_000)).map((m) => decodeSummary(m.value)).sort((a, b) => a.window_start - b.window_start);
    expect(summaries.map((s) => (s.window_start - T0) / MIN)).toEqual([0, 10, 20]);
    expect(summaries.map((s) => s.total)).toEqual([600, 600, 600]);
    expect(summaries[1]).toMatchObject({ errors: 10, error_rate_percent: 1.67, error_types: [{ name: 'timeout', count: 10 }] });
    expect(summaries[2]?.errors).toBe(6);
    expect(summaries[2]?.nodes.find((n) => n.node_id === 'node-2')).toMatchObject({ total: 100, errors: 6, components: 1 });

    // What users read: the Markdown report of a window and the alert stream.
    const report: string[] = [];
    const brokers = testEndpoints().kafkaBrokers;
    expect(await runReport(['--brokers', brokers, '--summaries', t.summaries, '--alerts', t.alerts, '--window-start', new Date(T0 + 10 * MIN).toISOString()], (l) => report.push(l))).toBe(0);
    const markdown = report.join('\n');
    expect(markdown).toContain('**Time window:** 2026-11-20T10:10:00Z to 2026-11-20T10:20:00Z');
    expect(markdown).toContain('| errors (ERROR + CRITICAL) | 10 |');
    expect(markdown).toContain('| timeout | 10 |');
    expect(markdown).toMatch(/\| FIRING \| error \| errors \| - \| 2026-11-20T10:06:00Z to 2026-11-20T10:11:00Z \|/);
    const tail: string[] = [];
    expect(await runAlerts(['tail', '--from-beginning', '--json', '--exit-when-idle', '3', '--brokers', brokers, '--alerts', t.alerts], (l) => tail.push(l))).toBe(0);
    expect(tail.map((l) => JSON.parse(l) as { alert_id: string }).map((a) => a.alert_id).sort()).toEqual(alerts.map((a) => a.alert_id).sort());

    // Replay with the CLI: stop, `logpipe replay analyzer --to-earliest` (groups moved, internal state reset), run again.
    await stopAll();
    const replay: string[] = [];
    expect(await runReplay(['analyzer', '--group', config.groupId, '--topic', t.input, '--to-earliest', '--brokers', brokers], (l) => replay.push(l))).toBe(0);
    expect(replay.at(-1)).toBe(`Moved group ${config.groupId}: ${records.length} records will be processed again; reset ${config.groupId}.merge, ${config.groupId}.partials, ${config.groupId}.state (state recomputed from the input). Start analyzer to replay.`);
    await new Promise((r) => setTimeout(r, 2_000));
    running.push(startAnalyzer(config));
    const again = (await topics.drain(t.alerts, 12, 5_000)).map((m) => decodeAlert(m.value));
    expect(again).toHaveLength(12);
    expect(again.slice(6).map(alertKey).sort()).toEqual(alerts.map(alertKey).sort());
    await stopAll();
  });

  it('gives the same alerts and summaries with three instances in the group as with one', async () => {
    const t = await analyzerTopics(topics, 6);
    await produceEnriched(producer, t.input, burstStream());
    const single = analyzerConfig(t);
    internal.push(...internalTopicNames(single));
    running.push(startAnalyzer(single));
    const alertsOne = (await topics.drain(t.alerts, 6, 5_000)).map((m) => decodeAlert(m.value));
    const summariesOne = (await topics.drain(t.summaries, 3, 3_000)).map((m) => decodeSummary(m.value));
    await stopAll();

    const t3 = { ...t, alerts: await topics.create('an-alerts3', 1), summaries: await topics.create('an-summaries3', 1) };
    const shared = analyzerConfig(t3);
    internal.push(...internalTopicNames(shared));
    for (const instanceId of ['a', 'b', 'c']) running.push(startAnalyzer({ ...shared, instanceId }));
    const alertsThree = (await topics.drain(t3.alerts, 6, 8_000)).map((m) => decodeAlert(m.value));
    const summariesThree = (await topics.drain(t3.summaries, 3, 3_000)).map((m) => decodeSummary(m.value));

    expect(alertsOne.map(alertKey).sort()).toEqual([...expectedGlobal, ...expectedNode].sort());
    expect(alertsThree.map(alertKey).sort()).toEqual(alertsOne.map(alertKey).sort());
    const byWindow = (list: typeof summariesOne) => [...list].sort((a, b) => a.window_start - b.window_start);
    expect(byWindow(summariesThree)).toEqual(byWindow(summariesOne));
    await stopAll();
  });
});
