import path from 'node:path';
import type { KafkaMessage } from 'kafkajs';
import { AvroCodec } from '../../../lib/codec';
import { DLQ_HEADERS, type OutputMessage } from '../../../lib/dead-letter';
import { LOG_RECORD_SCHEMA } from '../../../lib/records';
import { createLogger } from '../../../lib/telemetry';
import { ENRICHED_RECORD_SCHEMA, type EnrichedRecord } from '../../../services/enricher/enriched-record';
import { GeoIpLookup } from '../../../services/enricher/enrichments/geoip-lookup';
import { RecordProcessor, type ProcessorSettings } from '../../../services/enricher/record-processor';
import { EnrichWorkerPool } from '../../../services/enricher/worker/enrich-worker-pool';
import { buildLogRecord } from '../../../services/producer/build-log-record';
import { SyntheticLogs } from '../../../services/producer/load/synthetic-logs';
import { GEOIP_TEST_DIR } from '../../harness/test-enricher';

// No server: the pool runs the build's worker script (`npm test` builds first), so it lives
// with the integration tests, which run after the build.
const codec = new AvroCodec();
const quiet = createLogger({ name: 'test', level: 'silent' });
const geoip = { cityDb: path.join(GEOIP_TEST_DIR, 'GeoLite2-City-Test.mmdb'), asnDb: path.join(GEOIP_TEST_DIR, 'GeoLite2-ASN-Test.mmdb') };
const settings: ProcessorSettings = {
  outputTopic: 'enriched',
  dlqTopic: 'dlq',
  instanceId: 'pool-test',
  passThrough: false,
  limits: { minTimestampMicros: Date.parse('2000-01-01T00:00:00Z') * 1000, maxFutureSkewMicros: 86_400_000_000 },
};

/** `count` (more than 20) synthetic records as kafkajs would hand them over, with three bad ones among them. */
function batch(count: number, firstOffset: number): KafkaMessage[] {
  const logs = new SyntheticLogs({ seed: 7, nodes: 5, errorRatio: 0.1, warningRatio: 0.2, service: 'storage-node', version: '1.0.0' });
  const values: Array<Buffer | null> = Array.from({ length: count }, () => {
    const { call, origin } = logs.next();
    return codec.encode(LOG_RECORD_SCHEMA, buildLogRecord(call, origin));
  });
  values[3] = Buffer.from('{"not":"avro"}');
  values[10] = null;
  values[20] = (values[20] as Buffer).subarray(0, 30); // truncated
  return values.map((value, i) => ({ key: Buffer.from(`node-${i % 5}`), value, offset: String(firstOffset + i), timestamp: '0', attributes: 0, headers: {} }) as KafkaMessage);
}

/** An output without what depends on the clock (enriched_at, the dead letter's time). */
function comparable(message: OutputMessage): unknown {
  const headers = { ...(message.headers ?? {}) };
  delete headers[DLQ_HEADERS.time];
  if (message.topic === 'enriched') {
    const record: Partial<EnrichedRecord> = { ...codec.decode<EnrichedRecord>(message.value as Buffer, ENRICHED_RECORD_SCHEMA).value };
    delete record.enriched_at;
    return { topic: message.topic, key: message.key?.toString(), record };
  }
  return { topic: message.topic, key: message.key?.toString(), value: message.value?.toString('base64'), headers };
}

describe('enrichment on worker threads', () => {
  const pools: EnrichWorkerPool[] = [];
  afterAll(async () => {
    for (const pool of pools) await pool.close();
  });

  it('gives, batch for batch and in order, what the main-thread processor gives', async () => {
    const pool = new EnrichWorkerPool(2, { geoip, settings }, settings, quiet);
    pools.push(pool);
    const inline = new RecordProcessor(codec, GeoIpLookup.open(geoip), settings);
    const batches = [batch(500, 0), batch(300, 500), batch(200, 800)];
    // All in flight at once, on both workers (partitions 0, 1, 2).
    const results = await Promise.all(batches.map((messages, partition) => pool.process(messages, { topic: 'raw', partition })));

    batches.forEach((messages, partition) => {
      const expected = messages.map((m) => inline.process(m.key, m.value, { topic: 'raw', partition, offset: m.offset }));
      const got = results[partition] ?? [];
      expect(got.map((r) => r.outcome)).toEqual(expected.map((r) => r.outcome));
      expect(got.map((r) => comparable(r.message))).toEqual(expected.map((r) => comparable(r.message)));
    });
    const outcomes = results.flat().map((r) => r.outcome);
    expect(outcomes.filter((o) => o === 'dead_lettered')).toHaveLength(9);
    expect(outcomes.filter((o) => o === 'enriched')).toHaveLength(991);
    // A dead letter keeps the original bytes and says why, with the source position.
    const truncated = results[1]?.[20]?.message;
    expect(truncated?.value).toEqual(batches[1]?.[20]?.value);
    expect(truncated?.headers?.[DLQ_HEADERS.sourceOffset]).toBe('520');
    expect(String(truncated?.headers?.[DLQ_HEADERS.code])).toMatch(/^CODEC_/);
  }, 60_000);

  it('refuses every batch with the reason when a worker cannot open its GeoIP database', async () => {
    const broken = { cityDb: path.join(GEOIP_TEST_DIR, 'GeoIP2-City-Test-Invalid-Node-Count.mmdb') };
    const pool = new EnrichWorkerPool(1, { geoip: broken, settings }, settings, quiet);
    pools.push(pool);
    const failure = await pool.process(batch(30, 0), { topic: 'raw', partition: 0 }).then(
      () => undefined,
      (err: Error) => err,
    );
    expect(failure?.message).toMatch(/^enrichment worker 0 failed: .*GeoIP2-City-Test-Invalid-Node-Count\.mmdb/);
    await expect(pool.process(batch(30, 30), { topic: 'raw', partition: 0 })).rejects.toThrow(failure?.message ?? 'no failure');
    // What the enricher's fatalError() reports, so the service exits rather than retry forever.
    expect(pool.error?.message).toBe(failure?.message);
    expect(pool.error?.code).toBe('ENRICH_UNEXPECTED');
  }, 60_000);
});
