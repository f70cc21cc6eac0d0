import path from 'node:path';
import { GEOIP_TEST_DIR } from '../../harness/test-enricher';
import { AvroCodec } from '../../../lib/codec';
import { readDeadLetterHeaders } from '../../../lib/dead-letter';
import { createLogger, Registry } from '../../../lib/telemetry';
import { Enricher } from '../../../services/enricher/enricher';
import { parseEnricherConfig } from '../../../services/enricher/enricher-config';
import { ENRICHED_RECORD_SCHEMA, type EnrichedRecord } from '../../../services/enricher/enriched-record';
import { LOG_RECORD_SCHEMA } from '../../../lib/records';
import { corpusBytes, expectOutcome, goodRecord, loadBadInputCorpus } from '../../corpus/bad-input-corpus';
import { KafkaTestTopics } from '../../harness/kafka-test-topics';
import { testEndpoints } from '../../harness/test-endpoints';
import { uniqueName } from '../../harness/unique-name';

const codec = new AvroCodec();
const id = (kind: number, i: number) => `00000000-0000-4000-${kind}000-${String(i).padStart(12, '0')}`;

describe('bad-input corpus through the real enricher on Kafka', () => {
  const topics = new KafkaTestTopics();
  let enricher: Enricher | undefined;
  afterAll(async () => {
    await enricher?.stop();
    await topics.cleanup();
  });

  it('sends every case where its file says, in one partition with good neighbours on both sides that all arrive once', async () => {
    const corpus = loadBadInputCorpus();
    // logs.raw may admit larger records than logs.enriched (Kafka's default, 1 MB); the dead-letter topic as large as raw.
    const raw = await topics.create('corpus-raw', 1, { 'max.message.bytes': String(4 * 1_048_576) });
    const enriched = await topics.create('corpus-enriched', 1);
    const dlq = await topics.create('corpus-dlq', 1, { 'max.message.bytes': String(4 * 1_048_576) });
    const now = Date.now() * 1000;
    const neighbour = (logId: string) => codec.encode(LOG_RECORD_SCHEMA, goodRecord(logId, now));
    const producer = topics.kafka.producer();
    await producer.connect();
    for (const [i, c] of corpus.entries()) {
      await producer.send({
        topic: raw,
        messages: [
          { key: 'node-corpus', value: neighbour(id(9, 2 * i)) },
          { key: 'node-corpus', value: corpusBytes(codec, c.input, goodRecord(id(8, i), now)) },
          { key: 'node-corpus', value: neighbour(id(9, 2 * i + 1)) },
        ],
      });
    }
    await producer.disconnect();

    const groupId = uniqueName('corpus-enricher');
    enricher = new Enricher(
      parseEnricherConfig({
        kafka: { brokers: testEndpoints().kafkaBrokers.split(',') },
        groupId,
        instanceId: 'corpus',
        inputTopic: raw,
        outputTopic: enriched,
        dlqTopic: dlq,
        geoip: { cityDb: path.join(GEOIP_TEST_DIR, 'GeoLite2-City-Test.mmdb') },
        sessionTimeoutMs: 10_000,
      }),
      { logger: createLogger({ name: 'test', level: 'silent' }), registry: new Registry() },
    );
    void enricher.start();
    const total = corpus.length * 3;
    for (const deadline = Date.now() + 90_000; (await topics.committed(groupId, raw)) < total && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 250));
    // No stall: the whole corpus is committed, and the instance still runs.
    expect(await topics.committed(groupId, raw)).toBe(total);
    expect(enricher.fatalError()).toBeUndefined();

    const out = await topics.drain(enriched, 1);
    const dead = await topics.drain(dlq, 1);
    expect(out.length + dead.length).toBe(total);
    const byLogId = new Map(out.map((m) => [codec.decode<EnrichedRecord>(m.value as Buffer, ENRICHED_RECORD_SCHEMA).value.log_id, m]));
    expect(byLogId.size).toBe(out.length);
    for (let n = 0; n < 2 * corpus.length; n++) expect(byLogId.has(id(9, n))).toBe(true);
    const deadByOffset = new Map(dead.map((m) => [readDeadLetterHeaders(m.headers).sourceOffset, m]));
    for (const [i, c] of corpus.entries()) {
      const offset = String(3 * i + 1);
      const inDlq = deadByOffset.get(offset);
      const actual =
        inDlq !== undefined
          ? { outcome: 'dead_lettered', value: inDlq.value, headers: readDeadLetterHeaders(inDlq.headers) }
          : { outcome: byLogId.has(id(8, i)) ? 'enriched' : `missing (${c.name})`, value: byLogId.get(id(8, i))?.value ?? null, headers: {} };
      expectOutcome(codec, c.expect, actual);
    }
  }, 150_000);
});
