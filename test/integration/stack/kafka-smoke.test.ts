import { Kafka, logLevel, type Admin } from 'kafkajs';
import { testEndpoints } from '../../harness/test-endpoints';
import { uniqueName } from '../../harness/unique-name';

// Proves kafkajs 2.2.4 works with the stack's Kafka 4.x for what logpipe relies on:
// topic admin, idempotent produce, consumer groups with commits, and transactions.
describe('Kafka (real broker)', () => {
  const kafka = new Kafka({ clientId: 'smoke', brokers: testEndpoints().kafkaBrokers.split(','), logLevel: logLevel.NOTHING });
  let admin: Admin;
  const topics: string[] = [];

  beforeAll(async () => {
    admin = kafka.admin();
    await admin.connect();
  });

  afterAll(async () => {
    if (topics.length > 0) await admin.deleteTopics({ topics });
    await admin.disconnect();
  });

  async function newTopic(partitions: number): Promise<string> {
    const topic = uniqueName('smoke');
    await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
    topics.push(topic);
    return topic;
  }

  it('round-trips keyed records through a consumer group, in order per key, and commits offsets', async () => {
    const topic = await newTopic(3);
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 5 });
    await producer.connect();
    const sent = Array.from({ length: 60 }, (_, i) => ({ key: `node-${i % 4}`, value: `record-${i}` }));
    await producer.send({ topic, acks: -1, messages: sent });
    await producer.disconnect();

    const groupId = uniqueName('smoke-group');
    const consumer = kafka.consumer({ groupId });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received: Array<{ key: string; value: string }> = [];
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachMessage: async ({ message }) => {
            received.push({ key: message.key?.toString() ?? '', value: message.value?.toString() ?? '' });
            if (received.length === sent.length) resolve();
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();

    expect(received).toHaveLength(sent.length);
    expect(new Set(received.map((r) => r.value))).toEqual(new Set(sent.map((s) => s.value)));
    for (const key of ['node-0', 'node-1', 'node-2', 'node-3']) {
      const order = (list: Array<{ key: string; value: string }>) => list.filter((r) => r.key === key).map((r) => r.value);
      expect(order(received)).toEqual(order(sent));
    }
    const committed = await admin.fetchOffsets({ groupId, topics: [topic] });
    const total = committed[0]?.partitions.reduce((sum, p) => sum + Number(p.offset), 0);
    expect(total).toBe(sent.length);
  });

  it('exposes only committed transactional records to read_committed consumers', async () => {
    const topic = await newTopic(1);
    const producer = kafka.producer({ transactionalId: uniqueName('smoke-tx'), idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const aborted = await producer.transaction();
    await aborted.send({ topic, messages: [{ value: 'aborted' }] });
    await aborted.abort();
    const committed = await producer.transaction();
    await committed.send({ topic, messages: [{ value: 'committed-1' }, { value: 'committed-2' }] });
    await committed.commit();
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: uniqueName('smoke-tx-group'), readUncommitted: false });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const values: string[] = [];
    await new Promise<void>((resolve, reject) => {
      consumer
        .run({
          eachMessage: async ({ message }) => {
            values.push(message.value?.toString() ?? '');
            if (values.length === 2) resolve();
          },
        })
        .catch(reject);
    });
    await consumer.disconnect();
    expect(values).toEqual(['committed-1', 'committed-2']);
  });
});
