import { setTimeout as sleep } from 'node:timers/promises';
import { createKafka } from '../../../lib/kafka';
import { SinkLoop, type SinkInput } from '../../../lib/runner/sink-loop';
import { createLogger, Registry } from '../../../lib/telemetry';
import { KafkaTestTopics } from '../../harness/kafka-test-topics';
import { testEndpoints } from '../../harness/test-endpoints';
import { uniqueName } from '../../harness/unique-name';

const RECORDS = 200;

/** A sink loop on the real broker whose downstream is the given function. */
function sinkLoop(topic: string, groupId: string, write: (records: readonly SinkInput[]) => Promise<void>): SinkLoop {
  const logger = createLogger({ name: 'test', level: 'silent' });
  return new SinkLoop({
    kafka: createKafka({ clientId: 'sink-loop-test', brokers: testEndpoints().kafkaBrokers.split(',') }, logger),
    groupId,
    inputTopic: topic,
    logger,
    registry: new Registry(),
    metricPrefix: 'test_sink',
    writeBatch: async (records) => {
      await write(records);
      return { deadLetters: [] };
    },
    sessionTimeoutMs: 6_000,
    partitionsConsumedConcurrently: 1,
    maxWaitTimeMs: 100,
  });
}

async function until(condition: () => Promise<boolean> | boolean, timeoutMs: number): Promise<void> {
  for (const deadline = Date.now() + timeoutMs; Date.now() < deadline; await sleep(250)) if (await condition()) return;
}

describe('sink loop and its consumer group (real Kafka)', () => {
  const topics = new KafkaTestTopics();
  const loops: SinkLoop[] = [];
  afterAll(async () => {
    for (const loop of loops) await loop.stop();
    await topics.cleanup();
  });

  async function topicWithRecords(): Promise<string> {
    const topic = await topics.create('sink-loop', 2);
    const producer = topics.kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: Array.from({ length: RECORDS }, (_, i) => ({ key: String(i % 7), value: String(i) })) });
    await producer.disconnect();
    return topic;
  }

  it('re-joins and commits everything after the group removed it during a write longer than the session', async () => {
    const topic = await topicWithRecords();
    const groupId = uniqueName('sink-loop-slow');
    const writes = new Map<string, number>();
    let first = true;
    const loop = sinkLoop(topic, groupId, async (records) => {
      if (first) {
        first = false;
        // No heartbeat for longer than the 6 s session: the coordinator removes the member,
        // so the commit after this write is refused with UNKNOWN_MEMBER_ID.
        await sleep(9_000);
      }
      for (const r of records) {
        const id = `${r.source.partition}:${r.source.offset}`;
        writes.set(id, (writes.get(id) ?? 0) + 1);
      }
    });
    loops.push(loop);
    void loop.start();

    await until(async () => (await topics.committed(groupId, topic)) === RECORDS, 60_000);
    expect(await topics.committed(groupId, topic)).toBe(RECORDS);
    expect(writes.size).toBe(RECORDS);
    // The batch whose commit was refused was written again by the re-joined member.
    expect([...writes.values()].filter((n) => n > 1).length).toBeGreaterThan(0);
    expect(loop.fatalError()).toBeUndefined();
    expect(loop.status()).toMatchObject({ running: true, assignedPartitions: 2, fatal: null });
  }, 90_000);

  it('reports a consumer that kafkajs will not restart as a fatal error instead of living on idle', async () => {
    const topic = await topicWithRecords();
    const groupId = uniqueName('sink-loop-crash');
    const loop = sinkLoop(topic, groupId, async () => {
      // A bug in a sink: kafkajs treats TypeError as unrecoverable and does not restart.
      throw new TypeError("Cannot read properties of undefined (reading 'index')");
    });
    loops.push(loop);
    void loop.start();

    await until(() => loop.fatalError() !== undefined, 60_000);
    expect(loop.fatalError()?.code).toBe('RUNNER_CONSUMER_CRASHED');
    expect(loop.fatalError()?.message).toContain(`consumer of group ${groupId} stopped for good`);
    expect(loop.fatalError()?.message).toContain("reading 'index'");
    expect(loop.status().fatal).not.toBeNull();
    expect(await topics.committed(groupId, topic)).toBe(0);
  }, 90_000);
});
