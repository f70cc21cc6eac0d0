import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Kafka, logLevel } from 'kafkajs';
import { KafkaTestTopics } from '../../harness/kafka-test-topics';
import { testEndpoints } from '../../harness/test-endpoints';
import { uniqueName } from '../../harness/unique-name';
import { alertKey, analyzerTopics, burstStream, decodeAlert, decodeSummary, produceEnriched, rulesFile } from './analyzer-run';

// The real process, compiled (`npm test` builds first), so kill -9 hits the analyzer itself.
const main = path.resolve(__dirname, '../../../dist/services/analyzer/main.js');

describe('analyzer under kill -9 (real processes, real Kafka)', () => {
  const topics = new KafkaTestTopics();
  const kafka = new Kafka({ clientId: 'analyzer-kill-test', brokers: testEndpoints().kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
  const children: ChildProcess[] = [];
  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await topics.cleanup();
  });

  function envFor(t: { input: string; alerts: string; summaries: string; dlq: string }, groupId: string): NodeJS.ProcessEnv {
    return {
      ...process.env,
      KAFKA_BROKERS: testEndpoints().kafkaBrokers,
      ANALYZER_GROUP_ID: groupId,
      ANALYZER_INSTANCE_ID: 'kill-1',
      ANALYZER_INPUT_TOPIC: t.input,
      ANALYZER_ALERTS_TOPIC: t.alerts,
      ANALYZER_SUMMARIES_TOPIC: t.summaries,
      ANALYZER_DLQ_TOPIC: t.dlq,
      ANALYZER_RULES_FILE: rulesFile(),
      ANALYZER_SUMMARY_WINDOW_MS: String(10 * 60_000),
      ANALYZER_ALLOWED_LATENESS_MS: '5000',
      ANALYZER_IDLE_TIMEOUT_MS: '1500',
      ANALYZER_RENOTIFY_MS: '0',
      ANALYZER_SESSION_TIMEOUT_MS: '6000',
      HTTP_PORT: '0',
      LOG_LEVEL: 'error',
    };
  }

  it('emits every alert and summary exactly once, with the same ids, when killed mid-stream again and again', async () => {
    expect(fs.existsSync(main)).toBe(true);
    const t = await analyzerTopics(topics);
    const groupId = uniqueName('analyzer-kill');
    const producer = kafka.producer({ idempotent: true });
    await producer.connect();
    const records = burstStream();
    const env = envFor(t, groupId);
    const start = () => {
      const child = spawn(process.execPath, [main], { env, stdio: ['ignore', 'ignore', 'inherit'] });
      children.push(child);
      return child;
    };
    // Records arrive in 6 slices; the analyzer is killed -9 after each of the first 5 and restarted.
    const slices = 6;
    let child = start();
    for (let i = 0; i < slices; i++) {
      const from = Math.floor((records.length * i) / slices);
      await produceEnriched(producer, t.input, records.slice(from, Math.floor((records.length * (i + 1)) / slices)));
      if (i === slices - 1) break;
      // Let it work on the slice (and cross a window or two), then kill it mid-flight.
      await sleep(2_500 + i * 300);
      child.kill('SIGKILL');
      await new Promise((r) => child.once('exit', r));
      child = start();
    }
    await producer.disconnect();

    const alerts = (await topics.drain(t.alerts, 6, 8_000)).map((m) => decodeAlert(m.value));
    // Windows are merged on different partials partitions: their summaries arrive in any order.
    const summaries = (await topics.drain(t.summaries, 3, 3_000)).map((m) => decodeSummary(m.value)).sort((a, b) => a.window_start - b.window_start);
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));

    // Same as an undisturbed run (analyzer.test.ts computes these by hand): nothing lost, nothing twice.
    expect(alerts.map(alertKey).sort()).toHaveLength(6);
    expect(new Set(alerts.map(alertKey)).size).toBe(6);
    expect(alerts.filter((a) => a.status === 'FIRING').map((a) => `${a.rule_id}|${a.group_key}|${a.window_start}`).sort()).toEqual(
      [`errors||${records[0]!.timestamp / 1000 + 6 * 60_000}`, `errors||${records[0]!.timestamp / 1000 + 16 * 60_000}`, `node-errors|node_id=node-2|${records[0]!.timestamp / 1000 + 19 * 60_000}`].sort(),
    );
    expect(summaries.map((s) => s.total)).toEqual([600, 600, 600]);
    expect(summaries.map((s) => s.errors)).toEqual([0, 10, 6]);
  });
});
