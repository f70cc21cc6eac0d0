import fs from 'node:fs';
import path from 'node:path';
import pino from 'pino';
import { AvroCodec } from '../../../lib/codec';
import { LOG_RECORD_SCHEMA, type LogRecord } from '../../../lib/records';
import { KafkaTestTopics } from '../../harness/kafka-test-topics';
import { testEndpoints } from '../../harness/test-endpoints';

// pino runs transports in a worker thread that loads plain JavaScript: the compiled file.
const target = path.resolve(__dirname, '../../../dist/services/producer/pino-transport.js');

describe('pino transport against the real Kafka', () => {
  const topics = new KafkaTestTopics();
  afterAll(() => topics.cleanup());

  it('publishes a real pino logger\'s lines as LogRecords, mapping level, msg, time and fields', async () => {
    expect(fs.existsSync(target)).toBe(true); // `npm test` builds first; run `npm run build` when running jest alone
    const topic = await topics.create('pino', 1);
    const transport = pino.transport({
      target,
      options: { nodeId: 'node-pino', service: 'gateway', version: '3.1.0', topic, lingerMs: 0, kafka: { brokers: testEndpoints().kafkaBrokers.split(','), clientId: 'pino-test' } },
    });
    const logger = pino({ base: { pid: 1, hostname: 'h' } }, transport);
    const before = Date.now();
    logger.info({ component: 'api', size_bytes: 4096, user: { id: 7 } }, 'upload complete');
    logger.error({ component: 'database', trace_id: 'trace-9', span_id: 'span-9', err_count: 3 }, 'database connection timeout');
    logger.fatal('node shutting down');
    logger.info({ component: 'api' }); // no msg: reported on stderr and skipped
    await new Promise<void>((resolve) => {
      transport.once('close', () => resolve());
      transport.end();
    });

    const messages = await topics.consume(topic, 3);
    const codec = new AvroCodec();
    const records = messages.map((m) => codec.decode<LogRecord>(m.value as Buffer, LOG_RECORD_SCHEMA).value);
    expect(records.map((r) => [r.level, r.severity, r.message, r.component, r.node_id, r.service, r.version])).toEqual([
      ['INFO', 20, 'upload complete', 'api', 'node-pino', 'gateway', '3.1.0'],
      ['ERROR', 40, 'database connection timeout', 'database', 'node-pino', 'gateway', '3.1.0'],
      ['CRITICAL', 50, 'node shutting down', 'app', 'node-pino', 'gateway', '3.1.0'],
    ]);
    expect(JSON.parse(records[0]?.context ?? '')).toEqual({ size_bytes: 4096, user: { id: 7 } });
    expect([records[1]?.trace_id, records[1]?.span_id]).toEqual(['trace-9', 'span-9']);
    expect(JSON.parse(records[1]?.context ?? '')).toEqual({ err_count: 3 });
    for (const r of records) {
      expect(r.timestamp).toBeGreaterThanOrEqual(before * 1000);
      expect(r.timestamp % 1000).toBe(0); // pino's time has millisecond resolution
    }
    expect(await topics.countRecords(topic)).toBe(3);
  });
});
