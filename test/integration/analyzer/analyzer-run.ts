import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Producer } from 'kafkajs';
import { AvroCodec } from '../../../lib/codec';
import { createLogger, Registry } from '../../../lib/telemetry';
import type { AlertEvent } from '../../../services/analyzer/alerts/alert-types';
import { AnalyzerService } from '../../../services/analyzer/analyzer-service';
import { parseAnalyzerConfig, type AnalyzerConfig, type AnalyzerConfigInput } from '../../../services/analyzer/config';
import type { WindowSummary } from '../../../services/analyzer/stats/summary-types';
import { ENRICHED_RECORD_SCHEMA, type EnrichedRecord } from '../../../services/enricher/enriched-record';
import { MIN, rec, SEC } from '../../harness/enriched-record-fixture';
import type { KafkaTestTopics } from '../../harness/kafka-test-topics';
import { testEndpoints } from '../../harness/test-endpoints';
import { uniqueName } from '../../harness/unique-name';

export const codec = new AvroCodec();

/** Rules of the integration tests: a global error burst and a per-node one. */
export const TEST_RULES = {
  rules: [
    { id: 'errors', name: 'Error burst', severity: 'error', kind: 'frequency', match: { levels: ['ERROR', 'CRITICAL'] }, threshold: 5, window: '5m', every: '1m' },
    { id: 'node-errors', name: 'Node error burst', severity: 'warning', kind: 'frequency', match: { levels: ['ERROR'] }, threshold: 3, window: '2m', every: '1m', groupBy: ['node_id'] },
  ],
};

export function rulesFile(rules: object = TEST_RULES): string {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'analyzer-rules-')), 'rules.json');
  fs.writeFileSync(file, JSON.stringify(rules));
  return file;
}

/**
 * 30 minutes of one record per second from 6 nodes, with two error bursts: 10 errors in
 * minute 10 (nodes mixed) and 6 from node-2 in minute 20; then one record at minute 40 that
 * moves event time past every window of the first 30 minutes.
 */
export function burstStream(): EnrichedRecord[] {
  const out: EnrichedRecord[] = [];
  for (let t = 0; t < 30 * MIN; t += SEC) {
    const node = `node-${(t / SEC) % 6}`;
    const s = t / SEC;
    const inBurst1 = t >= 10 * MIN && t < 10 * MIN + 10 * SEC;
    const inBurst2 = t >= 20 * MIN && t < 20 * MIN + 36 * SEC && node === 'node-2';
    const level = inBurst1 || inBurst2 ? 'ERROR' : s % 7 === 0 ? 'WARNING' : 'INFO';
    out.push(rec(t, { node_id: node, level, component: ['api', 'storage', 'db'][s % 3] as string, latency_ms: s % 500, error_type: level === 'ERROR' ? 'timeout' : null }, `00000000-0000-4000-8000-${String(s).padStart(12, '0')}`));
  }
  out.push(rec(40 * MIN, { node_id: 'node-0' }, '00000000-0000-4000-8000-999999999999'));
  return out;
}

export async function produceEnriched(producer: Producer, topic: string, records: readonly EnrichedRecord[]): Promise<void> {
  for (let i = 0; i < records.length; i += 500) {
    await producer.send({ topic, acks: -1, messages: records.slice(i, i + 500).map((r) => ({ key: r.node_id, value: codec.encode(ENRICHED_RECORD_SCHEMA, r) })) });
  }
}

/** Topics of one analyzer test: input, alerts, summaries, dead letters. */
export async function analyzerTopics(topics: KafkaTestTopics, partitions = 3): Promise<{ input: string; alerts: string; summaries: string; dlq: string }> {
  return {
    input: await topics.create('an-enriched', partitions),
    alerts: await topics.create('an-alerts', 1),
    summaries: await topics.create('an-summaries', 1),
    dlq: await topics.create('an-dlq', 1),
  };
}

export function analyzerConfig(t: { input: string; alerts: string; summaries: string; dlq: string }, over: Partial<AnalyzerConfigInput> = {}): AnalyzerConfig {
  return parseAnalyzerConfig({
    kafka: { brokers: testEndpoints().kafkaBrokers.split(',') },
    groupId: uniqueName('analyzer'),
    instanceId: 'i-1',
    inputTopic: t.input,
    alertsTopic: t.alerts,
    summariesTopic: t.summaries,
    dlqTopic: t.dlq,
    rulesFile: rulesFile(),
    summaryWindowMs: 10 * MIN,
    allowedLatenessMs: 5 * SEC,
    idleTimeoutMs: 1_500,
    renotifyMs: 0,
    sessionTimeoutMs: 6_000,
    logLevel: 'silent',
    ...over,
  });
}

export function startAnalyzer(config: AnalyzerConfig): AnalyzerService {
  const service = new AnalyzerService(config, { logger: createLogger({ name: 'test-analyzer', level: 'silent' }), registry: new Registry() });
  void service.start();
  return service;
}

export function internalTopicNames(config: AnalyzerConfig): string[] {
  return [`${config.groupId}.partials`, `${config.groupId}.state`];
}

export const decodeAlert = (value: Buffer | null): AlertEvent => codec.decode<AlertEvent>(value as Buffer, 'io.logpipe.AlertEvent').value;
export const decodeSummary = (value: Buffer | null): WindowSummary => codec.decode<WindowSummary>(value as Buffer, 'io.logpipe.WindowSummary').value;
export const alertKey = (a: AlertEvent) => `${a.rule_id}|${a.group_key}|${a.alert_id}|${a.status}|${a.notification}`;
