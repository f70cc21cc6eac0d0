import { Client } from '@elastic/elasticsearch';
import { AvroCodec } from '../../../lib/codec';
import { deadLetterMessage, readDeadLetterHeaders } from '../../../lib/dead-letter';
import { LOG_RECORD_SCHEMA } from '../../../lib/records';
import { createLogger, Registry } from '../../../lib/telemetry';
import { ENRICHED_RECORD_SCHEMA } from '../../../services/enricher/enriched-record';
import { parseSinkEsConfig } from '../../../services/sink-es/config';
import { SinkEsService } from '../../../services/sink-es/sink-es-service';
import { buildLogRecord } from '../../../services/producer/build-log-record';
import { runDlq } from '../../../ops/dlq-command';
import { runLag } from '../../../ops/lag-command';
import { runReplay } from '../../../ops/replay-command';
import { rec } from '../../harness/enriched-record-fixture';
import { KafkaTestTopics } from '../../harness/kafka-test-topics';
import { testEndpoints } from '../../harness/test-endpoints';
import { uniqueName } from '../../harness/unique-name';

const codec = new AvroCodec();
const brokers = () => testEndpoints().kafkaBrokers;

async function cli(run: (argv: readonly string[], out: (line: string) => void) => Promise<number>, argv: string[]): Promise<{ code: number; lines: string[] }> {
  const lines: string[] = [];
  const code = await run([...argv, '--brokers', brokers()], (l) => lines.push(l));
  return { code, lines };
}

describe('logpipe replay, lag and dlq against the real Kafka and Elasticsearch', () => {
  const topics = new KafkaTestTopics();
  const es = new Client({ node: testEndpoints().esUrl });
  const prefix = uniqueName('ops-logs');
  afterAll(async () => {
    await es.indices.delete({ index: `${prefix}*`, ignore_unavailable: true, allow_no_indices: true });
    await es.indices.deleteIndexTemplate({ name: prefix }).catch(() => undefined);
    await es.close();
    await topics.cleanup();
  });

  it('replays sink-es from the beginning: refuses while it runs, dry-run shows the moves, the document count does not change', async () => {
    const input = await topics.create('ops-enriched', 3);
    const dlq = await topics.create('ops-dlq', 1);
    const groupId = uniqueName('ops-sink-es');
    const producer = topics.kafka.producer();
    await producer.connect();
    const records = Array.from({ length: 600 }, (_, i) => rec(i * 1000, { node_id: `node-${i % 5}` }, `aaaaaaaa-0000-4000-8000-${String(i).padStart(12, '0')}`));
    await producer.send({ topic: input, messages: records.map((r) => ({ key: r.node_id, value: codec.encode(ENRICHED_RECORD_SCHEMA, r) })) });
    await producer.disconnect();
    const config = parseSinkEsConfig({ kafka: { brokers: brokers().split(',') }, elasticsearch: { url: testEndpoints().esUrl }, groupId, inputTopic: input, dlqTopic: dlq, indexPrefix: prefix, sessionTimeoutMs: 6_000, flushIntervalMs: 200 });
    const start = () => {
      const s = new SinkEsService(config, { logger: createLogger({ name: 'ops-test', level: 'silent' }), registry: new Registry() });
      void s.start();
      return s;
    };
    const count = async () => (await es.count({ index: `${prefix}-*` })).count;
    const waitCommitted = async (n: number) => {
      const deadline = Date.now() + 60_000;
      while ((await topics.committed(groupId, input)) < n && Date.now() < deadline) await new Promise((r) => setTimeout(r, 300));
      expect(await topics.committed(groupId, input)).toBe(n);
    };

    let sink = start();
    await waitCommitted(600);
    await es.indices.refresh({ index: `${prefix}-*` });
    expect(await count()).toBe(600);

    const lag = await cli(runLag, ['--group', groupId, '--json']);
    expect(lag.lines.map((l) => JSON.parse(l) as { lag: number; topic: string })).toEqual(expect.arrayContaining([expect.objectContaining({ topic: input, lag: 0 })]));
    expect(lag.lines).toHaveLength(3);

    const refused = await cli(runReplay, ['sink-es', '--group', groupId, '--topic', input, '--to-earliest']);
    expect(refused.code).toBe(1);
    expect(refused.lines.join('\n')).toMatch(new RegExp(`Refusing: group ${groupId} has 1 live member: .+\\. Stop sink-es first\\.`));

    await sink.stop();
    const dry = await cli(runReplay, ['sink-es', '--group', groupId, '--topic', input, '--to-earliest', '--dry-run']);
    expect(dry.code).toBe(0);
    const moves = dry.lines.filter((l) => l.startsWith(input));
    expect(moves).toHaveLength(3);
    for (const line of moves) expect(line).toMatch(/^\S+\s+\d\s+(\d+)\s+->\s+0\s+\1$/);
    expect(dry.lines.at(-1)).toBe(`Dry run: group ${groupId} would reprocess 600 records. Nothing changed.`);
    expect(await topics.committed(groupId, input)).toBe(600);

    const done = await cli(runReplay, ['sink-es', '--group', groupId, '--topic', input, '--to-earliest']);
    expect(done.code).toBe(0);
    expect(await topics.committed(groupId, input)).toBe(0);
    sink = start();
    const deadline = Date.now() + 60_000;
    // Committed 0 after the move, so wait until the sink moved it back to the end.
    while ((await topics.committed(groupId, input)) < 600 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 300));
    await sink.stop();
    await es.indices.refresh({ index: `${prefix}-*` });
    expect(await count()).toBe(600);
    const doc = await es.search<{ log_id: string }>({ index: `${prefix}-*`, size: 1, version: true, query: { term: { log_id: records[0]!.log_id } } });
    expect(doc.hits.hits[0]?._version).toBe(2);
  });

  it('lists dead letters with their reasons and re-publishes a selection to their source topic', async () => {
    const source = await topics.create('ops-raw', 1);
    const dlq = await topics.create('ops-dlq2', 1);
    const producer = topics.kafka.producer();
    await producer.connect();
    const good = codec.encode(LOG_RECORD_SCHEMA, buildLogRecord({ level: 'INFO', message: 'fixed', component: 'api' }, { service: 's', nodeId: 'n-1' }));
    const letters = [
      deadLetterMessage(dlq, { key: Buffer.from('n-1'), value: Buffer.from('garbage') }, { topic: source, partition: 0, offset: '7' }, { stage: 'decode', code: 'CODEC_BAD_MARKER', reason: 'first byte 0x67 is not the marker C3 01' }, 'e-1'),
      deadLetterMessage(dlq, { key: Buffer.from('n-1'), value: good }, { topic: source, partition: 0, offset: '8' }, { stage: 'validate', code: 'ENRICH_INVALID_TIMESTAMP', reason: 'timestamp 0 is before 2000-01-01', field: 'timestamp' }, 'e-1'),
      deadLetterMessage(dlq, { key: Buffer.from('n-2'), value: good }, { topic: source, partition: 0, offset: '9' }, { stage: 'validate', code: 'ENRICH_INVALID_TIMESTAMP', reason: 'timestamp 1 is before 2000-01-01', field: 'timestamp' }, 'e-1'),
    ];
    await producer.send({ topic: dlq, messages: letters.map((m) => ({ key: m.key, value: m.value, headers: m.headers })) });
    await producer.disconnect();

    const list = await cli(runDlq, ['list', '--topic', dlq]);
    expect(list.code).toBe(0);
    expect(list.lines[1]).toMatch(new RegExp(`^0:0\\s+\\S+\\s+decode\\s+CODEC_BAD_MARKER\\s+${source}\\[0\\]@7\\s+first byte 0x67 is not the marker C3 01$`));
    expect(list.lines.at(-1)).toBe(`3 of 3 matching dead letters shown (3 in ${dlq}).`);

    await expect(runDlq(['republish', '--topic', dlq, '--brokers', brokers()], () => undefined)).rejects.toThrow(/needs a selection/);
    const dry = await cli(runDlq, ['republish', '--topic', dlq, '--code', 'ENRICH_INVALID_TIMESTAMP', '--dry-run']);
    expect(dry.lines.at(-1)).toBe('Dry run: would re-publish 2 records.');
    expect(await topics.countRecords(source)).toBe(0);
    const sent = await cli(runDlq, ['republish', '--topic', dlq, '--code', 'ENRICH_INVALID_TIMESTAMP']);
    expect(sent.lines.at(-1)).toBe('Re-published 2 records.');
    const back = await topics.consume(source, 2);
    expect(back.map((m) => m.value?.equals(good))).toEqual([true, true]);
    expect(back.map((m) => m.headers?.['logpipe.republished.from']?.toString()).sort()).toEqual([`${dlq}:0:1`, `${dlq}:0:2`]);
    expect(readDeadLetterHeaders(letters[1]!.headers).field).toBe('timestamp');
  });
});
