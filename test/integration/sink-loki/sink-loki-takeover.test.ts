import { AvroCodec } from '../../../lib/codec';
import { LOG_RECORD_SCHEMA } from '../../../lib/records';
import { createLogger, Registry } from '../../../lib/telemetry';
import { ENRICHED_RECORD_SCHEMA, type EnrichedRecord } from '../../../services/enricher/enriched-record';
import { buildLogRecord } from '../../../services/producer/build-log-record';
import { parseSinkLokiConfig } from '../../../services/sink-loki/config';
import { SinkLokiService } from '../../../services/sink-loki/sink-loki-service';
import { KafkaTestTopics } from '../../harness/kafka-test-topics';
import { testEnricher } from '../../harness/test-enricher';
import { testEndpoints } from '../../harness/test-endpoints';
import { uniqueName } from '../../harness/unique-name';
import { countOfJob, entriesOfJob } from './loki-entries';

const codec = new AvroCodec();
const enrich = testEnricher(codec);
const origin = { service: 'storage-node', nodeId: 'node-takeover', version: '1.0.0' };

function enriched(message: string, timestampMicros: number, offset: number): Buffer {
  const record = buildLogRecord({ level: 'INFO', message, component: 'api', timestampMicros }, origin);
  return enrich.process(Buffer.from(origin.nodeId), codec.encode(LOG_RECORD_SCHEMA, record), { topic: 'raw', partition: 0, offset: String(offset) }).message.value as Buffer;
}

describe('sink-loki taking a partition over (real Loki and Kafka)', () => {
  const topics = new KafkaTestTopics();
  const job = uniqueName('loki-takeover');
  const startMs = Date.now() - 15 * 60_000;
  const started: SinkLokiService[] = [];
  afterAll(async () => {
    for (const s of started) await s.stop().catch(() => undefined);
    await topics.cleanup();
  });

  async function runGroup(input: string, dlq: string, registry = new Registry()): Promise<void> {
    const groupId = uniqueName('loki-takeover-group');
    const config = parseSinkLokiConfig({
      kafka: { brokers: testEndpoints().kafkaBrokers.split(',') },
      loki: { url: testEndpoints().lokiUrl },
      groupId,
      inputTopic: input,
      dlqTopic: dlq,
      job,
      sessionTimeoutMs: 6_000,
      flushIntervalMs: 200,
    });
    const sink = new SinkLokiService(config, { logger: createLogger({ name: 'test', level: 'silent' }), registry });
    started.push(sink);
    void sink.start();
    const total = await topics.countRecords(input);
    const deadline = Date.now() + 90_000;
    while ((await topics.committed(groupId, input)) < total && Date.now() < deadline) await new Promise((r) => setTimeout(r, 300));
    expect(await topics.committed(groupId, input)).toBe(total);
    await sink.stop();
  }

  async function topicWith(values: Buffer[]): Promise<string> {
    const topic = await topics.create('loki-takeover-in', 1);
    const producer = topics.kafka.producer();
    await producer.connect();
    for (let i = 0; i < values.length; i += 200) await producer.send({ topic, messages: values.slice(i, i + 200).map((value) => ({ key: origin.nodeId, value })) });
    await producer.disconnect();
    return topic;
  }

  // Regression: the rebalance chaos scenario stored 2 entries twice. A member pushed a batch, lost
  // the partition before committing, and the next holder pushed it again after the stream's head
  // block had been cut: Loki drops an identical entry only while the original is in the head block.
  it("pushes nothing twice when the previous holder's batch already reached Loki, even after the stream's head block was cut", async () => {
    const dlq = await topics.create('loki-takeover-dlq', 1);
    const batch = Array.from({ length: 600 }, (_, i) => enriched(`takeover ${i}`, (startMs + i) * 1000, i));
    const ids = new Set(batch.map((v) => codec.decode<EnrichedRecord>(v, ENRICHED_RECORD_SCHEMA).value.log_id));
    // The previous holder pushed the first half (and never committed it: another group here).
    await runGroup(await topicWith(batch.slice(0, 300)), dlq);
    // 600 KB more in the same stream, later: its head block (256 KB) is cut behind the first half.
    await runGroup(await topicWith(Array.from({ length: 600 }, (_, i) => enriched(`filler ${i} ${'f'.repeat(1_000)}`, (startMs + 60_000 + i) * 1000, i))), dlq);

    // The next holder starts from the partition's committed offset: the whole batch.
    const registry = new Registry();
    await runGroup(await topicWith(batch), dlq, registry);

    const ours = (await entriesOfJob(job, startMs - 60_000, Date.now() + 60_000)).filter((e) => ids.has(e.labels.log_id as string));
    expect(ours).toHaveLength(600);
    expect(new Set(ours.map((e) => e.labels.log_id)).size).toBe(600);
    // Loki's own count of the batch's time range (query_range merges identical entries of different
    // chunks; count_over_time is what the chaos reconciliation reads).
    expect(await countOfJob(job, startMs - 1_000, startMs + 1_000)).toBe(600);
    const present = (await registry.getSingleMetric('logpipe_sink_loki_already_present_entries_total')?.get())?.values[0]?.value;
    expect(present).toBe(300);
  }, 240_000);
});
