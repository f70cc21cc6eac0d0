import { EventEmitter } from 'node:events';
import type { Consumer } from 'kafkajs';
import { KafkaJSNonRetriableError, KafkaJSProtocolError } from 'kafkajs';
import { ConsumerCrashWatch } from '../../../../lib/kafka/consumer-crash-watch';
import { createLogger } from '../../../../lib/telemetry';

/** The part of a kafkajs consumer the watch uses: its CRASH and GROUP_JOIN events. */
function fakeConsumer(): { consumer: Consumer; crash: (error: Error, restart?: boolean) => void; join: () => void } {
  const emitter = new EventEmitter();
  const consumer = {
    events: { CRASH: 'consumer.crash', GROUP_JOIN: 'consumer.group_join' },
    on: (event: string, listener: (e: unknown) => void) => emitter.on(event, listener),
  } as unknown as Consumer;
  return {
    consumer,
    crash: (error, restart = false) => emitter.emit('consumer.crash', { payload: { error, restart, groupId: 'g' } }),
    join: () => emitter.emit('consumer.group_join', { payload: { groupId: 'g', memberAssignment: {} } }),
  };
}

const logger = createLogger({ name: 'test', level: 'silent' });
/** How kafkajs's retrier hands on an error it does not retry. */
const wrapped = (cause: Error): Error => Object.assign(new KafkaJSNonRetriableError(cause), { cause });
const coordinatorNotFound = (): Error => Object.assign(new KafkaJSNonRetriableError('Failed to find group coordinator'), { name: 'KafkaJSNonRetriableError' });

describe('ConsumerCrashWatch', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('restarts a consumer kafkajs gave up on after a passing trouble, with back-off, and stays non-fatal', async () => {
    const { consumer, crash, join } = fakeConsumer();
    const restart = jest.fn(async () => undefined);
    const watch = new ConsumerCrashWatch(consumer, 'g', logger, restart);
    crash(coordinatorNotFound());
    await jest.advanceTimersByTimeAsync(999);
    expect(restart).toHaveBeenCalledTimes(0);
    await jest.advanceTimersByTimeAsync(1);
    expect(restart).toHaveBeenCalledTimes(1);
    // Crashes again before it got back into its group: the next wait doubles.
    crash(coordinatorNotFound());
    await jest.advanceTimersByTimeAsync(1_999);
    expect(restart).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(restart).toHaveBeenCalledTimes(2);
    // Back in the group: the back-off starts afresh.
    join();
    crash(coordinatorNotFound());
    await jest.advanceTimersByTimeAsync(1_000);
    expect(restart).toHaveBeenCalledTimes(3);
    expect(watch.error).toBeUndefined();
    expect(watch.restartCount).toBe(3);
  });

  it('leaves restarts after retriable errors to kafkajs', async () => {
    const { consumer, crash } = fakeConsumer();
    const restart = jest.fn(async () => undefined);
    const watch = new ConsumerCrashWatch(consumer, 'g', logger, restart);
    crash(new KafkaJSProtocolError(Object.assign(new Error('loading'), { type: 'COORDINATOR_LOAD_IN_PROGRESS', code: 14, retriable: true })), true);
    await jest.advanceTimersByTimeAsync(60_000);
    expect(restart).not.toHaveBeenCalled();
    expect(watch.error).toBeUndefined();
  });

  it('is fatal at once for what no restart mends: Kafka refusing rights, or an error of the application', async () => {
    for (const error of [
      wrapped(new KafkaJSProtocolError(Object.assign(new Error('denied'), { type: 'GROUP_AUTHORIZATION_FAILED', code: 30, retriable: false }))),
      new TypeError("Cannot read properties of undefined (reading 'index')"),
      // What kafkajs hands on when eachBatch throws a bug: wrapped.
      wrapped(new TypeError("Cannot read properties of undefined (reading 'index')")),
    ]) {
      const { consumer, crash } = fakeConsumer();
      const restart = jest.fn(async () => undefined);
      const watch = new ConsumerCrashWatch(consumer, 'g', logger, restart);
      crash(error);
      await jest.advanceTimersByTimeAsync(60_000);
      expect(restart).not.toHaveBeenCalled();
      expect(watch.error?.code).toBe('RUNNER_CONSUMER_CRASHED');
      expect(watch.error?.message).toContain(error.message);
    }
  });

  it('gives up after ten restarts in a row that fail', async () => {
    const { consumer, crash } = fakeConsumer();
    const restart = jest.fn(async () => {
      throw Object.assign(new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9092'), { name: 'KafkaJSConnectionError' });
    });
    const watch = new ConsumerCrashWatch(consumer, 'g', logger, restart);
    crash(coordinatorNotFound());
    await jest.advanceTimersByTimeAsync(10 * 30_000);
    expect(restart).toHaveBeenCalledTimes(10);
    expect(watch.error?.message).toContain('10 restarts in a row did not bring it back into its group');
  });

  it('does not restart once closed (the service is stopping)', async () => {
    const { consumer, crash } = fakeConsumer();
    const restart = jest.fn(async () => undefined);
    const watch = new ConsumerCrashWatch(consumer, 'g', logger, restart);
    crash(coordinatorNotFound());
    watch.close();
    await jest.advanceTimersByTimeAsync(60_000);
    expect(restart).not.toHaveBeenCalled();
    expect(watch.error).toBeUndefined();
  });
});
