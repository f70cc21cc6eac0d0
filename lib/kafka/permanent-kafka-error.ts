import { errorChain, findProtocolError } from './protocol-error';

/**
 * Kafka's answers no retry can change: missing rights, or a request the broker will always
 * refuse. Every other failure of a client talking to Kafka (connection lost, coordinator moved
 * or loading, timeouts) passes, however kafkajs labels it: after a broker stalled past its
 * request timeout it calls "Failed to find group coordinator" non-retriable.
 */
const PERMANENT_TYPES = new Set([
  'TOPIC_AUTHORIZATION_FAILED',
  'GROUP_AUTHORIZATION_FAILED',
  'CLUSTER_AUTHORIZATION_FAILED',
  'TRANSACTIONAL_ID_AUTHORIZATION_FAILED',
  'SASL_AUTHENTICATION_FAILED',
  'INVALID_SESSION_TIMEOUT',
  'INVALID_TRANSACTION_TIMEOUT',
  'INVALID_GROUP_ID',
  'UNSUPPORTED_VERSION',
  'UNSUPPORTED_FOR_MESSAGE_FORMAT',
  'MESSAGE_TOO_LARGE',
  'RECORD_LIST_TOO_LARGE',
  'INVALID_RECORD',
]);

/** kafkajs errors that are about configuration or credentials, never about the moment. */
const PERMANENT_NAMES = new Set(['KafkaJSSASLAuthenticationError', 'KafkaJSInvalidArgument', 'KafkaJSNotImplemented', 'KafkaJSUnsupportedMagicByteInMessageSet']);

/** Whether `err` is Kafka refusing for a reason that repeating the request cannot remove. */
export function isPermanentKafkaError(err: unknown): boolean {
  if (findProtocolError(err, PERMANENT_TYPES) !== undefined) return true;
  for (const e of errorChain(err)) {
    if (typeof e.name === 'string' && PERMANENT_NAMES.has(e.name)) return true;
  }
  return false;
}

/**
 * Whether `err` is, or wraps, an error of the application's own code (a TypeError in a sink, a
 * LogpipeError) rather than of talking to Kafka: kafkajs wraps what eachBatch throws, so the
 * whole chain is looked at. Socket errors (a system `code` such as ECONNRESET) count as Kafka's.
 */
export function isApplicationError(err: unknown): boolean {
  for (const e of errorChain(err)) {
    const fromKafkajs = typeof e.name === 'string' && e.name.startsWith('KafkaJS');
    const fromSocket = typeof e.code === 'string' && /^E[A-Z0-9_]+$/.test(e.code);
    if (!fromKafkajs && !fromSocket) return true;
  }
  return false;
}
