import { KafkaJSProtocolError } from 'kafkajs';
import { findProtocolError } from './protocol-error';

/**
 * Errors that mean "this member no longer holds its partitions" (it was removed from the
 * group, or the group is rebalancing). kafkajs's runner re-joins on them, but only when it
 * sees the protocol error itself: `consumer.commitOffsets` wraps it (UNKNOWN_MEMBER_ID in a
 * KafkaJSNonRetriableError), and a wrapped one crashes the consumer for good.
 */
const MEMBERSHIP_LOST = new Set(['UNKNOWN_MEMBER_ID', 'REBALANCE_IN_PROGRESS', 'ILLEGAL_GENERATION', 'NOT_COORDINATOR_FOR_GROUP', 'FENCED_INSTANCE_ID']);

/** The protocol error inside `err` when it says the membership was lost, else undefined. */
export function membershipLostCause(err: unknown): Error | undefined {
  return findProtocolError(err, MEMBERSHIP_LOST);
}

/**
 * An error that makes kafkajs's runner re-join the group when thrown from eachBatch: the form
 * of a REBALANCE_IN_PROGRESS answer, which it handles by JoinGroup + SyncGroup (and, being a
 * KafkaJSError, without logging a stack trace).
 */
export function rejoinGroupError(message: string): KafkaJSProtocolError {
  return new KafkaJSProtocolError(Object.assign(new Error(message), { type: 'REBALANCE_IN_PROGRESS', code: 27, retriable: true }));
}
