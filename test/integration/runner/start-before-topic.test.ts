import { Partitioners } from 'kafkajs';
import { SinkLoop } from '../../../lib/runner/sink-loop';
import type { TransactionalPipeline } from '../../../lib/runner/transactional-pipeline';
import { createLogger, Registry } from '../../../lib/telemetry';
import { copyingPipeline } from '../../harness/copying-pipeline';
import { KafkaTestTopics } from '../../harness/kafka-test-topics';
import { uniqueName } from '../../harness/unique-name';

/** Sends `count` records whose values are 0..count-1. */
async function send(topics: KafkaTestTopics, topic: string, count: number): Promise<void> {
  const producer = topics.kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  await producer.send({ topic, messages: Array.from({ length: count }, (_, i) => ({ key: String(i % 7), value: String(i) })) });
  await producer.disconnect();
}

/**
 * Starts `runner` on `input` before the topic exists, creates it 2 s later, sends 50 records and
 * returns how many the group committed (waiting up to 60 s for all 50).
 */
async function startBeforeTopicThenSend(topics: KafkaTestTopics, runner: { start(): Promise<void> }, input: string, groupId: string): Promise<number> {
  const started = runner.start();
  await new Promise((r) => setTimeout(r, 2_000));
  await topics.createNamed(input, 2);
  await started;
  await send(topics, input, 50);
  return waitForCommitted(topics, groupId, input, 50);
}

async function waitForCommitted(topics: KafkaTestTopics, groupId: string, topic: string, count: number): Promise<number> {
  const deadline = Date.now() + 60_000;
  let committed = 0;
  while ((committed = await topics.committed(groupId, topic)) < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
  return committed;
}

// Regression: the analyzer exited 1 at start when Kafka's metadata did not know its new topic
// yet ("This server does not host this topic-partition"): kafkajs gives up on that answer at
// once. Both runners now wait for the topic, as a service started just before `topics create`.
describe('runners started before their input topic exists (real Kafka)', () => {
  const topics = new KafkaTestTopics();
  const stoppers: Array<() => Promise<void>> = [];
  afterAll(async () => {
    for (const stop of stoppers) await stop();
    await topics.cleanup();
  });

  it('the exactly-once pipeline waits for the topic, then copies every record once', async () => {
    const input = uniqueName('late-tx-in');
    const output = await topics.create('late-tx-out', 2);
    const groupId = uniqueName('late-tx-group');
    const pipeline: TransactionalPipeline<'copied'> = copyingPipeline({ input, output, groupId });
    stoppers.push(() => pipeline.stop());

    expect(await startBeforeTopicThenSend(topics, pipeline, input, groupId)).toBe(50);
    const copied = (await topics.drain(output, 50)).map((m) => Number(m.value?.toString()));
    expect(copied.sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  }, 120_000);

  it('the at-least-once sink loop waits for the topic, then hands every record to its sink', async () => {
    const input = uniqueName('late-sink-in');
    const groupId = uniqueName('late-sink-group');
    const seen: number[] = [];
    const loop = new SinkLoop({
      kafka: topics.kafka,
      groupId,
      inputTopic: input,
      logger: createLogger({ name: 'test', level: 'silent' }),
      registry: new Registry(),
      metricPrefix: 'test_sink',
      sessionTimeoutMs: 6_000,
      writeBatch: async (records) => {
        seen.push(...records.map((r) => Number(r.value?.toString())));
        return { deadLetters: [] };
      },
    });
    stoppers.push(() => loop.stop());

    expect(await startBeforeTopicThenSend(topics, loop, input, groupId)).toBe(50);
    expect(seen.sort((x, y) => x - y)).toEqual(Array.from({ length: 50 }, (_, i) => i));
  }, 120_000);
});
