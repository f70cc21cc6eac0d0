import { Kafka, logLevel, type ISocketFactory } from 'kafkajs';
import { TransactionalPipeline } from '../../lib/runner/transactional-pipeline';
import { createLogger, Registry } from '../../lib/telemetry';
import { testEndpoints } from './test-endpoints';
import { uniqueName } from './unique-name';

/**
 * The smallest exactly-once stage, for tests of the transactional runner on real Kafka: copies
 * each input value to `output`, prefixed with `tag:` when a tag is given (who copied it).
 * `socketFactory` lets a test stand between the client and the broker.
 */
export function copyingPipeline(options: {
  input: string;
  output: string;
  groupId: string;
  transactionalIdPrefix?: string;
  tag?: string;
  registry?: Registry;
  socketFactory?: ISocketFactory;
}): TransactionalPipeline<'copied'> {
  const { output, tag } = options;
  return new TransactionalPipeline<'copied'>({
    kafka: new Kafka({ clientId: `copying-test-${tag ?? 'pipeline'}`, brokers: testEndpoints().kafkaBrokers.split(','), logLevel: logLevel.NOTHING, ...(options.socketFactory === undefined ? {} : { socketFactory: options.socketFactory }) }),
    groupId: options.groupId,
    inputTopic: options.input,
    transactionalIdPrefix: options.transactionalIdPrefix ?? uniqueName('copying-tx'),
    logger: createLogger({ name: 'test', level: 'silent' }),
    registry: options.registry ?? new Registry(),
    metricPrefix: 'test_pipeline',
    sessionTimeoutMs: 6_000,
    process: (key, value) => {
      const copy = value ?? Buffer.alloc(0);
      return { message: { topic: output, key, value: tag === undefined ? copy : Buffer.from(`${tag}:${copy.toString()}`) }, outcome: 'copied' };
    },
  });
}
