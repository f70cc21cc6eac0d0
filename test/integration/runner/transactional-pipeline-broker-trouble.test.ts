import net from 'node:net';
import type { ISocketFactory } from 'kafkajs';
import { TransactionalPipeline } from '../../../lib/runner/transactional-pipeline';
import { Registry } from '../../../lib/telemetry';
import { metricValues } from '../../../lib/telemetry/metric-values';
import { copyingPipeline } from '../../harness/copying-pipeline';
import { KafkaTestTopics } from '../../harness/kafka-test-topics';
import { uniqueName } from '../../harness/unique-name';

/** Kafka's API keys of the requests cut here. */
const END_TXN = 26;
const FIND_COORDINATOR = 10;

/**
 * Connections that, `cuts` times, send a request `matches` picks and then lose the socket as its
 * answer arrives: the broker acted on it, the client never hears how. What a broker that stalls
 * past the clients' request timeout (and is fenced by its controller for a moment) does.
 */
function answerCutter(cuts: number, matches: (apiKey: number, request: Buffer) => boolean): { socketFactory: ISocketFactory; cutsLeft: () => number; arm: () => void } {
  let left = cuts;
  let armed = false;
  const socketFactory: ISocketFactory = ({ host, port, onConnect }) => {
    const socket = net.connect({ host, port }, onConnect);
    let dropNextAnswer = false;
    const write = socket.write.bind(socket) as (chunk: Buffer, encoding: BufferEncoding) => boolean;
    socket.write = ((chunk: Buffer, encoding: BufferEncoding) => {
      if (armed && left > 0 && Buffer.isBuffer(chunk) && chunk.length > 8 && matches(chunk.readInt16BE(4), chunk)) {
        left--;
        dropNextAnswer = true;
      }
      return write(chunk, encoding);
    }) as typeof socket.write;
    const emit = socket.emit.bind(socket) as (event: string | symbol, ...args: unknown[]) => boolean;
    socket.emit = ((event: string | symbol, ...args: unknown[]) => {
      if (event === 'data' && dropNextAnswer) {
        dropNextAnswer = false;
        socket.destroy(new Error('connection lost before the answer (test)'));
        return true;
      }
      return emit(event, ...args);
    }) as typeof socket.emit;
    return socket;
  };
  return { socketFactory, cutsLeft: () => left, arm: () => void (armed = true) };
}

/** `waves` sends of `perWave` records, values counting up from `from`. */
async function sendWaves(topics: KafkaTestTopics, topic: string, waves: number, perWave: number, pauseMs: number, from = 0): Promise<void> {
  const producer = topics.kafka.producer();
  await producer.connect();
  for (let wave = 0; wave < waves; wave++) {
    await producer.send({ topic, messages: Array.from({ length: perWave }, (_, i) => ({ key: 'k', value: String(from + wave * perWave + i) })) });
    await new Promise((r) => setTimeout(r, pauseMs));
  }
  await producer.disconnect();
}

describe('transactional pipeline: answers lost to a stalling broker (real Kafka)', () => {
  const topics = new KafkaTestTopics();
  const pipelines: Array<TransactionalPipeline<'copied'>> = [];
  afterAll(async () => {
    for (const p of pipelines) await p.stop();
    await topics.cleanup();
  });

  // Regression: a commit that got no answer left kafkajs's producer in COMMITTING; its next
  // transaction threw a non-retriable state error ("Cannot call beginTransaction in state
  // COMMITTING") and the consumer stopped for good.
  it('neither stops nor copies a record twice when commits go unanswered', async () => {
    const input = await topics.create('unanswered-in', 1);
    const output = await topics.create('unanswered-out', 1);
    const groupId = uniqueName('unanswered-group');
    expect(await topics.committed(groupId, input)).toBe(0); // waits out a coordinator still loading
    const cutter = answerCutter(2, (apiKey, request) => apiKey === END_TXN && request[request.length - 1] === 1);
    cutter.arm();
    const registry = new Registry();
    const pipeline = copyingPipeline({ input, output, groupId, registry, socketFactory: cutter.socketFactory });
    pipelines.push(pipeline);
    await pipeline.start();
    await sendWaves(topics, input, 3, 100, 1_500);
    const deadline = Date.now() + 90_000;
    while ((await topics.committed(groupId, input)) < 300 && Date.now() < deadline && pipeline.fatalError() === undefined) await new Promise((r) => setTimeout(r, 250));

    expect(pipeline.fatalError()?.message).toBeUndefined();
    expect(cutter.cutsLeft()).toBe(0);
    expect(await topics.committed(groupId, input)).toBe(300);
    const copied = (await topics.drain(output, 300)).map((m) => Number(m.value?.toString()));
    expect(copied).toEqual(Array.from({ length: 300 }, (_, i) => i));
    expect((await metricValues(registry, 'test_pipeline_transactions_unknown_outcome_total')).map((v) => v.value)).toEqual([2]);
  }, 150_000);

  // kafkajs gives up on a consumer for good when its group coordinator lookup fails ("Failed to
  // find group coordinator", non-retriable), as after a broker stalled past the request timeout:
  // the analyzer once sat out a whole test that way. The watch restarts it.
  it('restarts a consumer that kafkajs stopped for good after a failed coordinator lookup', async () => {
    const input = await topics.create('lookup-in', 2);
    const output = await topics.create('lookup-out', 2);
    const groupId = uniqueName('lookup-group');
    expect(await topics.committed(groupId, input)).toBe(0);
    const cutter = answerCutter(1, (apiKey) => apiKey === FIND_COORDINATOR);
    const registry = new Registry();
    const pipeline = copyingPipeline({ input, output, groupId, registry, socketFactory: cutter.socketFactory });
    pipelines.push(pipeline);
    await pipeline.start();
    await sendWaves(topics, input, 1, 100, 0);
    for (const deadline = Date.now() + 60_000; (await topics.committed(groupId, input)) < 100 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 250));
    // The next lookup loses its answer: a second member joining makes the first re-join, and look.
    cutter.arm();
    const second = topics.kafka.consumer({ groupId, sessionTimeout: 6_000 });
    await second.connect();
    await second.subscribe({ topic: input, fromBeginning: true });
    await second.run({ autoCommit: false, eachBatch: async () => undefined });
    for (const deadline = Date.now() + 60_000; cutter.cutsLeft() > 0 && Date.now() < deadline; ) await new Promise((r) => setTimeout(r, 250));
    await second.disconnect();
    await sendWaves(topics, input, 1, 100, 0, 100);
    const deadline = Date.now() + 90_000;
    while ((await topics.committed(groupId, input)) < 200 && Date.now() < deadline && pipeline.fatalError() === undefined) await new Promise((r) => setTimeout(r, 250));

    expect(cutter.cutsLeft()).toBe(0);
    expect(pipeline.fatalError()?.message).toBeUndefined();
    expect(pipeline.status().consumerRestarts).toBeGreaterThanOrEqual(1);
    expect((await metricValues(registry, 'test_pipeline_consumer_restarts_total')).map((v) => v.value)).toEqual([pipeline.status().consumerRestarts]);
    expect(await topics.committed(groupId, input)).toBe(200);
    const copied = (await topics.drain(output, 200)).map((m) => Number(m.value?.toString()));
    expect(copied.sort((x, y) => x - y)).toEqual(Array.from({ length: 200 }, (_, i) => i));
  }, 200_000);
});
