import path from 'node:path';
import { GEOIP_TEST_DIR } from '../../harness/test-enricher';
import { AvroCodec } from '../../../lib/codec';
import { readDeadLetterHeaders } from '../../../lib/dead-letter';
import { LOG_RECORD_SCHEMA, type LogRecord } from '../../../lib/records';
import { createLogger, Registry } from '../../../lib/telemetry';
import { Enricher } from '../../../services/enricher/enricher';
import { parseEnricherConfig } from '../../../services/enricher/enricher-config';
import { ENRICHED_RECORD_SCHEMA, type EnrichedRecord } from '../../../services/enricher/enriched-record';
import { runProduce } from '../../../services/producer/produce-command';
import { KafkaTestTopics } from '../../harness/kafka-test-topics';
import { testEndpoints } from '../../harness/test-endpoints';
import { uniqueName } from '../../harness/unique-name';

const codec = new AvroCodec();
const quiet = createLogger({ name: 'test', level: 'silent' });

interface Topics {
  raw: string;
  enriched: string;
  dlq: string;
}

function enricher(topics: Topics, groupId: string, instanceId: string, registry = new Registry(), workerThreads?: number): Enricher {
  const config = parseEnricherConfig({
    kafka: { brokers: testEndpoints().kafkaBrokers.split(',') },
    groupId,
    instanceId,
    inputTopic: topics.raw,
    outputTopic: topics.enriched,
    dlqTopic: topics.dlq,
    geoip: { cityDb: path.join(GEOIP_TEST_DIR, 'GeoLite2-City-Test.mmdb'), asnDb: path.join(GEOIP_TEST_DIR, 'GeoLite2-ASN-Test.mmdb') },
    sessionTimeoutMs: 10_000,
    ...(workerThreads === undefined ? {} : { workerThreads }),
  });
  return new Enricher(config, { logger: quiet, registry });
}

async function recordsOf(registry: Registry, outcome: string): Promise<number> {
  const metric = await registry.getSingleMetric('logpipe_enricher_records_total')?.get();
  return metric?.values.find((v) => v.labels.outcome === outcome)?.value ?? 0;
}

describe('enricher against the real Kafka', () => {
  const kafkaTopics = new KafkaTestTopics();
  afterAll(() => kafkaTopics.cleanup());

  async function newTopics(partitions: number): Promise<Topics> {
    return { raw: await kafkaTopics.create('raw', partitions), enriched: await kafkaTopics.create('enriched', partitions), dlq: await kafkaTopics.create('dlq', 1) };
  }

  // On worker threads (the default) and on the main thread.
  it.each([1, 0])('enriches good records and dead-letters bad ones with the reason, each exactly once (%i worker threads)', async (workerThreads) => {
    const topics = await newTopics(3);
    await runProduce(['--count', '2000', '--seed', '3', '--rate', '0', '--topic', topics.raw, '--brokers', testEndpoints().kafkaBrokers], () => undefined);
    const producer = kafkaTopics.kafka.producer();
    await producer.connect();
    const good: LogRecord = JSON.parse(JSON.stringify((await kafkaTopics.consume(topics.raw, 1)).map((m) => codec.decode<LogRecord>(m.value as Buffer).value)[0]));
    await producer.send({
      topic: topics.raw,
      messages: [
        { key: 'node-x', value: Buffer.from('{"level":"INFO","message":"json, not avro"}') },
        { key: 'node-x', value: codec.encode(LOG_RECORD_SCHEMA, { ...good, log_id: 'bd7f0d6e-0000-4000-8000-000000000001', component: '' }) },
        { key: 'node-x', value: codec.encode(LOG_RECORD_SCHEMA, { ...good, log_id: 'bd7f0d6e-0000-4000-8000-000000000002', timestamp: Date.parse('2200-01-01T00:00:00Z') * 1000 }) },
      ],
    });
    await producer.disconnect();

    const registry = new Registry();
    const instance = enricher(topics, uniqueName('enricher'), 'only', registry, workerThreads);
    void instance.start();
    try {
      const enriched = await kafkaTopics.consume(topics.enriched, 2000);
      const dead = await kafkaTopics.consume(topics.dlq, 3);
      const records = enriched.map((m) => codec.decode<EnrichedRecord>(m.value as Buffer, ENRICHED_RECORD_SCHEMA).value);
      expect(new Set(records.map((r) => r.log_id)).size).toBe(2000);
      expect(records.every((r, i) => r.node_id === enriched[i]?.key?.toString())).toBe(true);
      expect(records.filter((r) => r.geo?.country_iso === 'GB').length).toBeGreaterThan(100);
      expect(records.filter((r) => r.error_type !== null).length).toBeGreaterThan(20);

      const reasons = dead.map((m) => readDeadLetterHeaders(m.headers));
      expect(reasons.map((h) => [h.stage, h.code, h.sourceTopic])).toEqual([
        ['decode', 'CODEC_BAD_MARKER', topics.raw],
        ['validate', 'ENRICH_MISSING_FIELD', topics.raw],
        ['validate', 'ENRICH_INVALID_TIMESTAMP', topics.raw],
      ]);
      expect(reasons[1]?.reason).toBe('component is "", expected a non-empty string');
      expect(dead[0]?.value?.toString()).toBe('{"level":"INFO","message":"json, not avro"}');
      expect(await kafkaTopics.countRecords(topics.enriched)).toBeGreaterThanOrEqual(2000); // transaction markers count as offsets
      expect([await recordsOf(registry, 'enriched'), await recordsOf(registry, 'dead_lettered')]).toEqual([2000, 3]);
    } finally {
      await instance.stop();
    }
  });

  it('two instances in one group share the partitions and together process each record exactly once', async () => {
    const topics = await newTopics(6);
    const groupId = uniqueName('enricher-pair');
    const [ra, rb] = [new Registry(), new Registry()];
    const a = enricher(topics, groupId, 'a', ra);
    const b = enricher(topics, groupId, 'b', rb);
    void a.start();
    void b.start();
    try {
      // Both in the group with partitions of their own before any record arrives: one instance
      // alone enriches 20,000 records in about a second, before a late join would be settled.
      for (const deadline = Date.now() + 60_000; !(a.readiness().ready && b.readiness().ready) && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 200));
      expect([a.readiness().ready, b.readiness().ready]).toEqual([true, true]);
      await runProduce(['--count', '20000', '--nodes', '12', '--seed', '5', '--rate', '0', '--topic', topics.raw, '--brokers', testEndpoints().kafkaBrokers], () => undefined);
      const enriched = await kafkaTopics.drain(topics.enriched, 20_000);
      const ids = enriched.map((m) => codec.decode<EnrichedRecord>(m.value as Buffer).value.log_id);
      expect(ids).toHaveLength(20_000);
      expect(new Set(ids).size).toBe(20_000);
      const [byA, byB] = [await recordsOf(ra, 'enriched'), await recordsOf(rb, 'enriched')];
      expect(byA + byB).toBe(20_000);
      expect(byA).toBeGreaterThan(0);
      expect(byB).toBeGreaterThan(0);
      // Which instance holds which partition at the end depends on rebalances under load (a
      // slow heartbeat on 2 busy cores moves partitions); both having processed shows the sharing.
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});
