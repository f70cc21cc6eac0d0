import { AvroCodec } from '../../../lib/codec';
import { LOG_RECORD_SCHEMA, type LogRecord } from '../../../lib/records';
import { createLogger, Registry } from '../../../lib/telemetry';
import { createLogCollector, type LogCollector } from '../../../services/producer/log-collector';
import { KafkaTestTopics } from '../../harness/kafka-test-topics';
import { testEndpoints } from '../../harness/test-endpoints';

const quiet = createLogger({ name: 'test', level: 'silent' });
const codec = new AvroCodec();

function collector(topic: string, nodeId: string, extra: Record<string, unknown> = {}): LogCollector {
  return createLogCollector(
    { nodeId, service: 'storage-node', version: '9.9.9', topic, closeOnSignals: false, kafka: { brokers: testEndpoints().kafkaBrokers.split(','), clientId: `test-${nodeId}` }, ...extra },
    { logger: quiet, registry: new Registry() },
  );
}

describe('log collector against the real Kafka', () => {
  const topics = new KafkaTestTopics();
  afterAll(() => topics.cleanup());

  it('delivers 100,000 records complete and identical, in order per node', async () => {
    const topic = await topics.create('collector-100k', 6);
    const nodes = ['node-a', 'node-b', 'node-c', 'node-d'];
    const perNode = 25_000;
    const collectors = nodes.map((node) => collector(topic, node));
    const levels = ['INFO', 'WARNING', 'ERROR', 'DEBUG', 'CRITICAL'] as const;
    for (let i = 0; i < perNode; i++) {
      await Promise.all(
        collectors.map((c, n) =>
          c.log(levels[i % levels.length], `file read ok seq=${i}`, 'storage', { seq: i, size_bytes: i * 1024, node: nodes[n] ?? '' }, { traceId: `t-${i}` }),
        ),
      );
    }
    const reports = await Promise.all(collectors.map((c) => c.close()));
    for (const report of reports) expect(report).toMatchObject({ enqueued: perNode, sent: perNode, failed: 0, dropped: 0, unsent: 0 });

    const messages = await topics.consume(topic, nodes.length * perNode);
    expect(messages).toHaveLength(nodes.length * perNode);
    const seqByNode = new Map<string, number[]>(nodes.map((n) => [n, []]));
    const ids = new Set<string>();
    for (const message of messages) {
      const record = codec.decode<LogRecord>(message.value as Buffer, LOG_RECORD_SCHEMA).value;
      expect(message.key?.toString()).toBe(record.node_id);
      const context = JSON.parse(record.context) as { seq: number; size_bytes: number; node: string };
      expect(record).toMatchObject({
        level: levels[context.seq % levels.length],
        message: `file read ok seq=${context.seq}`,
        service: 'storage-node',
        version: '9.9.9',
        component: 'storage',
        trace_id: `t-${context.seq}`,
        span_id: null,
      });
      expect(context).toEqual({ seq: context.seq, size_bytes: context.seq * 1024, node: record.node_id });
      ids.add(record.log_id);
      seqByNode.get(record.node_id)?.push(context.seq);
    }
    expect(ids.size).toBe(nodes.length * perNode);
    // All of a node's records share a key, hence a partition: consumption order is production order.
    for (const node of nodes) expect(seqByNode.get(node)).toEqual(Array.from({ length: perNode }, (_, i) => i));
  });

  it('close() under load waits until every buffered record is acknowledged', async () => {
    const topic = await topics.create('collector-close', 3);
    const c = collector(topic, 'node-close', { lingerMs: 50, maxBatchRecords: 500 });
    const logged: Array<Promise<void>> = [];
    for (let i = 0; i < 20_000; i++) logged.push(c.info(`upload complete ${i}`, 'api', { i }));
    const report = await c.close(); // no flush first: close must do it
    await Promise.all(logged);
    expect(report).toMatchObject({ enqueued: 20_000, sent: 20_000, failed: 0, dropped: 0, unsent: 0 });
    expect(await topics.countRecords(topic)).toBe(20_000);
  });

  it('flush() resolves only once Kafka has acknowledged what was logged before it', async () => {
    const topic = await topics.create('collector-flush', 1);
    const c = collector(topic, 'node-flush', { lingerMs: 1_000 });
    for (let i = 0; i < 10; i++) await c.error('database connection timeout', 'database');
    await c.flush();
    expect(await topics.countRecords(topic)).toBe(10);
    expect(c.stats()).toMatchObject({ sent: 10, buffered: 0 });
    await c.close();
  });

  it('drop policy with Kafka unreachable: counts every dropped record and reports the unsent ones on close', async () => {
    const registry = new Registry();
    const c = createLogCollector(
      {
        nodeId: 'node-down',
        service: 'storage-node',
        topic: 'logs.raw',
        closeOnSignals: false,
        overflow: 'drop',
        maxBufferRecords: 10,
        closeTimeoutMs: 1_000,
        kafka: { brokers: ['127.0.0.1:1'], clientId: 'test-down', connectionTimeoutMs: 200 },
      },
      { logger: quiet, registry },
    );
    for (let i = 0; i < 100; i++) await c.info(`record ${i}`, 'api');
    expect(c.stats()).toMatchObject({ enqueued: 100, dropped: 90, sent: 0 });
    const metric = await registry.getSingleMetric('logpipe_producer_records_total')?.get();
    expect(metric?.values.find((v) => v.labels.outcome === 'dropped')?.value).toBe(90);
    const report = await c.close();
    expect(report).toMatchObject({ enqueued: 100, dropped: 90, sent: 0, unsent: 10 });
    expect(report.reason).toBe('no connection to Kafka at 127.0.0.1:1 before the close deadline');
  });
});
