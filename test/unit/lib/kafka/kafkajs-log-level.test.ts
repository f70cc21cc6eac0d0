import { logLevel } from 'kafkajs';
import { kafkajsLineLevel } from '../../../../lib/kafka/kafka-client';

describe('kafkajs log lines in the service log', () => {
  it('keeps real errors at error', () => {
    expect(kafkajsLineLevel('Connection', logLevel.ERROR, 'Response Produce(key: 0, version: 7)', { error: 'The server experienced an unexpected error when processing the request' })).toBe('error');
    expect(kafkajsLineLevel('Consumer', logLevel.ERROR, 'Crash: KafkaJSNonRetriableError: Topic authorization failed', {})).toBe('error');
  });

  it('writes the responses of a rebalance at info and the runner re-joining at warn', () => {
    expect(kafkajsLineLevel('Connection', logLevel.ERROR, 'Response Heartbeat(key: 12, version: 3)', { error: 'The coordinator is not aware of this member' })).toBe('info');
    expect(kafkajsLineLevel('Connection', logLevel.ERROR, 'Response Heartbeat(key: 12, version: 3)', { error: 'The group is rebalancing, so a rejoin is needed' })).toBe('info');
    expect(kafkajsLineLevel('Runner', logLevel.ERROR, 'The coordinator is not aware of this member, re-joining the group', { error: 'The coordinator is not aware of this member' })).toBe('warn');
  });

  it('writes retried transaction noise at debug', () => {
    expect(kafkajsLineLevel('Connection', logLevel.ERROR, 'Response AddPartitionsToTxn(key: 24, version: 1)', { error: 'The producer attempted to update a transaction while another concurrent operation on the same transaction was ongoing' })).toBe('debug');
  });
});
