import path from 'node:path';
import { AvroCodec } from '../../../lib/codec';
import { LOG_RECORD_SCHEMA, type LogRecord } from '../../../lib/records';
import { runProduce } from '../../../services/producer/produce-command';
import { KafkaTestTopics } from '../../harness/kafka-test-topics';
import { testEndpoints } from '../../harness/test-endpoints';

describe('logpipe produce against the real Kafka', () => {
  const topics = new KafkaTestTopics();
  afterAll(() => topics.cleanup());
  const brokers = () => testEndpoints().kafkaBrokers;

  it('--from publishes good lines, reports each bad one by line number, and keeps given ids and times', async () => {
    const topic = await topics.create('produce-file', 1);
    const out: string[] = [];
    const result = await runProduce(['--from', path.join(__dirname, '../../fixtures/producer/entries.jsonl'), '--topic', topic, '--brokers', brokers(), '--rate', '0'], (l) => out.push(l));
    expect(result).toMatchObject({ produced: 3, badLines: 4 });
    expect(out.slice(0, 4)).toEqual([
      expect.stringMatching(/^line 2: not JSON: /),
      'line 3: level is "LOUD", expected one of DEBUG, INFO, WARNING, ERROR, CRITICAL (or an alias such as warn, fatal)',
      'line 6: timestamp is "yesterday", expected ISO-8601 text or microseconds since the epoch',
      'line 7: expected a JSON object, found [1,2,3]',
    ]);
    expect(out[4]).toMatch(/^produced 3 records in .* s \(\d+ records\/s\); 4 bad lines skipped$/);

    const codec = new AvroCodec();
    const records = (await topics.consume(topic, 3)).map((m) => codec.decode<LogRecord>(m.value as Buffer, LOG_RECORD_SCHEMA).value);
    expect(records.map((r) => [r.level, r.node_id, r.component, r.message])).toEqual([
      ['INFO', 'node-1', 'storage', 'file read ok'],
      ['ERROR', 'node-2', 'storage', 'disk full on volume vol-3'],
      ['WARNING', 'node-1', 'memory', 'high memory usage: 91%'],
    ]);
    expect(records[0]).toMatchObject({ log_id: '2b8a4d40-1c8e-4a57-9d43-7f0d6f1d2c11', timestamp: Date.parse('2026-11-20T10:00:00Z') * 1000 + 123_456, version: '2.0.0' });
    expect(records[2]?.timestamp).toBe(1_763_632_803_000_000);
  });

  it('synthetic: publishes exactly --count records, the same ids for the same --seed', async () => {
    const topic = await topics.create('produce-seed', 2);
    const run = () => runProduce(['--count', '500', '--seed', '7', '--rate', '0', '--topic', topic, '--brokers', brokers()], () => undefined);
    expect((await run()).produced).toBe(500);
    expect((await run()).produced).toBe(500);
    const codec = new AvroCodec();
    const ids = (await topics.consume(topic, 1000)).map((m) => codec.decode<LogRecord>(m.value as Buffer).value.log_id);
    expect(ids).toHaveLength(1000);
    expect(new Set(ids).size).toBe(500); // the second run repeats the first one's ids
  });
});
