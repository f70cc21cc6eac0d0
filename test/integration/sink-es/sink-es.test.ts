import { Client } from '@elastic/elasticsearch';
import { AvroCodec } from '../../../lib/codec';
import { readDeadLetterHeaders } from '../../../lib/dead-letter';
import { LOG_RECORD_SCHEMA } from '../../../lib/records';
import { createLogger, Registry } from '../../../lib/telemetry';
import { metricValues } from '../../../lib/telemetry/metric-values';
import { buildLogRecord } from '../../../services/producer/build-log-record';
import { SyntheticLogs } from '../../../services/producer/load/synthetic-logs';
import { parseSinkEsConfig } from '../../../services/sink-es/config';
import { SinkEsService } from '../../../services/sink-es/sink-es-service';
import { KafkaTestTopics } from '../../harness/kafka-test-topics';
import { testEnricher } from '../../harness/test-enricher';
import { testEndpoints } from '../../harness/test-endpoints';
import { uniqueName } from '../../harness/unique-name';

const codec = new AvroCodec();
const enrich = testEnricher(codec);
const DAYS = ['2026-11-20T10:00:00Z', '2026-11-21T23:59:59Z', '2026-11-22T00:00:00Z'];

/** Enriched records as the enricher writes them, spread over three UTC days. */
function enrichedRecords(count: number, seed: number): Array<{ key: string; value: Buffer; logId: string; day: string }> {
  const logs = new SyntheticLogs({ seed, nodes: 4, errorRatio: 0.1, warningRatio: 0.2, service: 'storage-node', version: '1.0.0' });
  return Array.from({ length: count }, (_, i) => {
    const { call, origin } = logs.next();
    const day = DAYS[i % DAYS.length] as string;
    const record = buildLogRecord({ ...call, timestampMicros: Date.parse(day) * 1000 + i }, origin);
    const { message } = enrich.process(Buffer.from(origin.nodeId), codec.encode(LOG_RECORD_SCHEMA, record), { topic: 'raw', partition: 0, offset: String(i) });
    return { key: origin.nodeId, value: message.value, logId: record.log_id, day: day.slice(0, 10).replace(/-/g, '.') };
  });
}

describe('sink-es against the real Elasticsearch and Kafka', () => {
  const topics = new KafkaTestTopics();
  const es = new Client({ node: testEndpoints().esUrl });
  const prefix = uniqueName('logs');
  afterAll(async () => {
    await es.indices.delete({ index: `${prefix}*`, ignore_unavailable: true, allow_no_indices: true });
    await es.indices.deleteIndexTemplate({ name: prefix }).catch(() => undefined);
    await es.close();
    await topics.cleanup();
  });

  function service(inputTopic: string, dlqTopic: string, groupId: string, overrides: { maxBulkDocs?: number } = {}, registry = new Registry()): SinkEsService {
    const config = parseSinkEsConfig({
      ...overrides,
      kafka: { brokers: testEndpoints().kafkaBrokers.split(',') },
      elasticsearch: { url: testEndpoints().esUrl },
      groupId,
      inputTopic,
      dlqTopic,
      indexPrefix: prefix,
      sessionTimeoutMs: 6_000,
      flushIntervalMs: 200,
    });
    return new SinkEsService(config, { logger: createLogger({ name: 'test', level: 'silent' }), registry });
  }

  async function untilCommitted(groupId: string, topic: string, count: number): Promise<void> {
    const deadline = Date.now() + 90_000;
    while ((await topics.committed(groupId, topic)) < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 300));
    expect(await topics.committed(groupId, topic)).toBe(count);
  }

  it('writes N records as N documents by log_id into daily indices, a replay changes no count, a type conflict is dead-lettered alone', async () => {
    const input = await topics.create('es-enriched', 3);
    const dlq = await topics.create('es-dlq', 1);
    const records = enrichedRecords(3_000, 21);
    // A batch neighbour pair whose context types conflict: a number, then an object, under one key.
    const [number, object] = [
      { ...records[0], logId: 'aaaaaaaa-0000-4000-8000-000000000001' },
      { ...records[0], logId: 'aaaaaaaa-0000-4000-8000-000000000002' },
    ];
    const withContext = (logId: string, context: object) => {
      const record = buildLogRecord({ level: 'INFO', message: 'shape', component: 'api', context, logId, timestampMicros: Date.parse(DAYS[0] as string) * 1000 }, { service: 's', nodeId: 'node-c' });
      return enrich.process(Buffer.from('node-c'), codec.encode(LOG_RECORD_SCHEMA, record), { topic: 'raw', partition: 0, offset: '0' }).message.value;
    };
    const producer = topics.kafka.producer();
    await producer.connect();
    for (let i = 0; i < records.length; i += 500) {
      await producer.send({ topic: input, messages: records.slice(i, i + 500).map((r) => ({ key: r.key, value: r.value })) });
    }
    await producer.send({
      topic: input,
      messages: [
        { key: 'node-c', value: withContext(number.logId, { shape: 1 }) },
        { key: 'node-c', value: withContext(object.logId, { shape: { nested: true } }) },
      ],
    });
    await producer.disconnect();

    const groupId = uniqueName('sink-es');
    // Small bulk requests: every partition batch is sent as several requests at once.
    const registry = new Registry();
    const sink = service(input, dlq, groupId, { maxBulkDocs: 97 }, registry);
    void sink.start();
    await untilCommitted(groupId, input, records.length + 2);
    await sink.stop();
    await es.indices.refresh({ index: `${prefix}-*` });
    const bulkRequests = (await metricValues(registry, 'logpipe_sink_es_bulk_documents')).find((v) => v.metricName === 'logpipe_sink_es_bulk_documents_count')?.value ?? 0;
    expect(bulkRequests).toBeGreaterThanOrEqual(Math.ceil((records.length + 2) / 97));

    expect((await es.count({ index: `${prefix}-*` })).count).toBe(records.length + 1);
    for (const day of ['2026.11.20', '2026.11.21', '2026.11.22']) {
      expect((await es.count({ index: `${prefix}-${day}` })).count).toBe(records.filter((r) => r.day === day).length + (day === '2026.11.20' ? 1 : 0));
    }
    const sample = records.slice(0, 50).map((r) => r.logId);
    const hits = await es.search<{ log_id: string }>({ index: `${prefix}-*`, size: 50, query: { ids: { values: sample } } });
    expect(hits.hits.hits.map((h) => h._id).sort()).toEqual([...sample].sort());
    expect(hits.hits.hits.every((h) => h._source?.log_id === h._id)).toBe(true);
    // Typed values stay typed: context.size_bytes is a number field that answers a range query.
    const large = await es.count({ index: `${prefix}-*`, query: { range: { 'context.size_bytes': { gte: 104_857_600 } } } });
    expect(large.count).toBeGreaterThan(0);
    const dead = await topics.drain(dlq, 1);
    expect(dead).toHaveLength(1);
    const why = readDeadLetterHeaders(dead[0]?.headers);
    expect(why).toMatchObject({ stage: 'sink-es', code: 'ESSINK_REJECTED', sourceTopic: input });
    expect(why.reason).toMatch(/^Elasticsearch refused the document with 400: (document_parsing_exception|mapper_parsing_exception): .*shape/);
    expect(codec.decode<{ log_id: string }>(dead[0]?.value as Buffer).value.log_id).toBe(object.logId); // the original record, as consumed
    expect((await es.search({ index: `${prefix}-*`, query: { ids: { values: [number.logId, object.logId] } } })).hits.hits.map((h) => h._id)).toEqual([number.logId]);

    // Replay: the group from the beginning writes every document again, by the same ids.
    const admin = topics.kafka.admin();
    await admin.connect();
    await admin.resetOffsets({ groupId, topic: input, earliest: true });
    await admin.disconnect();
    const replay = service(input, dlq, groupId);
    void replay.start();
    await new Promise((r) => setTimeout(r, 1_000));
    await untilCommitted(groupId, input, records.length + 2);
    await replay.stop();
    await es.indices.refresh({ index: `${prefix}-*` });
    expect((await es.count({ index: `${prefix}-*` })).count).toBe(records.length + 1);
    const again = await es.search({ index: `${prefix}-*`, size: 1, version: true, query: { ids: { values: [records[5]?.logId as string] } } });
    expect(again.hits.hits[0]?._version).toBe(2); // overwritten, not duplicated
  });
});
