import { KafkaJSNonRetriableError, KafkaJSProtocolError } from 'kafkajs';
import { LogpipeError } from '../../../../lib/errors';
import { retryWhileTransient } from '../../../../lib/kafka/retry-while-transient';
import { createLogger } from '../../../../lib/telemetry';

const logger = createLogger({ name: 'test', level: 'silent' });
/** What kafkajs throws for a topic its broker does not know (yet): UNKNOWN_TOPIC_OR_PARTITION, code 3. */
const unknownTopic = (): Error => new KafkaJSProtocolError(Object.assign(new Error('This server does not host this topic-partition'), { type: 'UNKNOWN_TOPIC_OR_PARTITION', code: 3, retriable: true }));
const notAuthorized = (): Error => new KafkaJSProtocolError(Object.assign(new Error('Not authorized to access topics'), { type: 'TOPIC_AUTHORIZATION_FAILED', code: 29, retriable: false }));

/** An attempt that fails with `errors` in turn, then returns 'done'; counts its calls. */
function failing(errors: Array<() => Error>): { attempt: () => Promise<string>; calls: () => number } {
  let calls = 0;
  return {
    attempt: async () => {
      const next = errors[calls++];
      if (next !== undefined) throw next();
      return 'done';
    },
    calls: () => calls,
  };
}

describe('retryWhileTransient', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('retries a topic the broker does not know yet, waiting 250 ms doubling, and returns the result', async () => {
    const { attempt, calls } = failing([unknownTopic, unknownTopic, () => new KafkaJSNonRetriableError(unknownTopic())]);
    const result = retryWhileTransient('Subscribing', attempt, { logger });
    await jest.advanceTimersByTimeAsync(249);
    expect(calls()).toBe(1);
    await jest.advanceTimersByTimeAsync(1);
    expect(calls()).toBe(2);
    await jest.advanceTimersByTimeAsync(500);
    expect(calls()).toBe(3);
    await jest.advanceTimersByTimeAsync(1_000);
    await expect(result).resolves.toBe('done');
    expect(calls()).toBe(4);
  });

  it('throws at once on what waiting cannot mend: our own error, or Kafka refusing rights', async () => {
    const own = failing([() => new LogpipeError('CONFIG_INVALID', 'the input topic logs.x does not exist')]);
    await expect(retryWhileTransient('Checking', own.attempt, { logger })).rejects.toThrow('the input topic logs.x does not exist');
    expect(own.calls()).toBe(1);
    const refused = failing([notAuthorized]);
    await expect(retryWhileTransient('Subscribing', refused.attempt, { logger })).rejects.toThrow('Not authorized to access topics');
    expect(refused.calls()).toBe(1);
  });

  it('gives up after its timeout with RUNNER_KAFKA_UNAVAILABLE naming what failed and the last error', async () => {
    const { attempt, calls } = failing(Array.from({ length: 100 }, () => unknownTopic));
    const result = retryWhileTransient('Subscribing to logs.enriched', attempt, { logger, timeoutMs: 10_000 }).catch((err: unknown) => err);
    await jest.advanceTimersByTimeAsync(10_000);
    const err = (await result) as LogpipeError;
    expect(err).toBeInstanceOf(LogpipeError);
    expect(err.code).toBe('RUNNER_KAFKA_UNAVAILABLE');
    expect(err.message).toBe(`Subscribing to logs.enriched failed for 10 s (${calls()} attempts); last error: This server does not host this topic-partition`);
    // 250 + 500 + 1000 + 2000 + 4000 = 7750 ms of waits; the next (5000) would pass the deadline.
    expect(calls()).toBe(6);
  });
});
