import { TransactionalPipeline } from '../../../lib/runner/transactional-pipeline';
import { copyingPipeline } from '../../harness/copying-pipeline';
import { KafkaTestTopics } from '../../harness/kafka-test-topics';
import { uniqueName } from '../../harness/unique-name';

const RECORDS = 100;

describe('transactional pipeline: a partition changing hands (real Kafka)', () => {
  const topics = new KafkaTestTopics();
  const pipelines: Array<TransactionalPipeline<'copied'>> = [];
  afterAll(async () => {
    for (const p of pipelines) await p.stop();
    await topics.cleanup();
  });

  // Regression: after rebalances the analyzer counted 566 records twice. A member that lost its
  // partition could still commit a transaction (kafkajs sends no group generation with it), and
  // the new holder started from the offset committed before it.
  it("fences the previous holder's open transaction: it cannot commit, and every record is copied once", async () => {
    const input = await topics.create('fence-in', 1);
    const output = await topics.create('fence-out', 1);
    const groupId = uniqueName('fence-group');
    const prefix = uniqueName('fence-tx');
    const producer = topics.kafka.producer();
    await producer.connect();
    await producer.send({ topic: input, messages: Array.from({ length: RECORDS }, (_, i) => ({ key: 'k', value: String(i) })) });
    await producer.disconnect();
    // Waits out a group coordinator still loading (a fresh broker), which TxnOffsetCommit would refuse.
    expect(await topics.committed(groupId, input)).toBe(0);

    // The previous holder of partition 0: it copied the first half and has not committed yet.
    const previous = topics.kafka.producer({ transactionalId: `${prefix}-${input}-0`, idempotent: true, maxInFlightRequests: 1 });
    await previous.connect();
    const transaction = await previous.transaction();
    await transaction.send({ topic: output, messages: Array.from({ length: RECORDS / 2 }, (_, i) => ({ key: 'k', value: `previous:${i}` })) });
    await transaction.sendOffsets({ consumerGroupId: groupId, topics: [{ topic: input, partitions: [{ partition: 0, offset: String(RECORDS / 2) }] }] });

    const next = copyingPipeline({ input, output, groupId, transactionalIdPrefix: prefix, tag: 'next' });
    pipelines.push(next);
    await next.start();
    const deadline = Date.now() + 60_000;
    while ((await topics.committed(groupId, input)) < RECORDS && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    expect(await topics.committed(groupId, input)).toBe(RECORDS);

    // Too late: the new holder's producer took the transactional id over.
    await expect(transaction.commit()).rejects.toMatchObject({ type: expect.stringMatching(/PRODUCER_FENCED|INVALID_PRODUCER_EPOCH/) });
    await previous.disconnect();

    const copied = (await topics.drain(output, RECORDS)).map((m) => m.value?.toString());
    expect(copied).toHaveLength(RECORDS);
    expect(copied).toEqual(Array.from({ length: RECORDS }, (_, i) => `next:${i}`));
  }, 120_000);

  it('hands a partition over between two members without copying a record twice or losing one', async () => {
    const input = await topics.create('handover-in', 4);
    const output = await topics.create('handover-out', 4);
    const groupId = uniqueName('handover-group');
    const prefix = uniqueName('handover-tx');
    const producer = topics.kafka.producer();
    await producer.connect();
    const send = (from: number, count: number) =>
      producer.send({ topic: input, messages: Array.from({ length: count }, (_, i) => ({ key: String((from + i) % 13), value: String(from + i) })) });
    const first = copyingPipeline({ input, output, groupId, transactionalIdPrefix: prefix, tag: 'a' });
    pipelines.push(first);
    await first.start();
    await send(0, 2_000);
    // A second member joins while the first is busy: the partitions are split between them.
    const second = copyingPipeline({ input, output, groupId, transactionalIdPrefix: prefix, tag: 'b' });
    pipelines.push(second);
    await second.start();
    await send(2_000, 2_000);
    await first.stop(); // and the first leaves: the second takes everything over
    await send(4_000, 2_000);
    const deadline = Date.now() + 90_000;
    while ((await topics.committed(groupId, input)) < 6_000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    await producer.disconnect();

    const copied = (await topics.drain(output, 6_000)).map((m) => Number(m.value?.toString().split(':')[1]));
    expect(copied).toHaveLength(6_000);
    expect(new Set(copied).size).toBe(6_000);
  }, 150_000);
});
