/**
 * Whether repeating a failed Kafka request can succeed. kafkajs marks protocol errors
 * with `retriable`; connection loss, timeouts and exhausted retries of retriable errors
 * are transient too. Everything else (record too large, authorization, invalid record)
 * is not: unknown errors are not retriable.
 */
export function isRetriableKafkaError(err: unknown): boolean {
  if (err === null || typeof err !== 'object') return false;
  const e = err as { name?: string; retriable?: boolean; originalError?: unknown; cause?: unknown };
  switch (e.name) {
    case 'KafkaJSConnectionError':
    case 'KafkaJSConnectionClosedError':
    case 'KafkaJSRequestTimeoutError':
    case 'KafkaJSBrokerNotFound':
    case 'KafkaJSLockTimeout':
    case 'KafkaJSMetadataNotLoaded':
    case 'KafkaJSTopicMetadataNotLoaded':
    case 'KafkaJSStaleTopicMetadataAssignment':
    case 'KafkaJSServerDoesNotSupportApiKey':
      return e.name !== 'KafkaJSServerDoesNotSupportApiKey';
    case 'KafkaJSNumberOfRetriesExceeded':
    case 'KafkaJSNonRetriableError':
      // kafkajs wraps the last error; the wrapped one decides.
      return e.originalError !== undefined ? isRetriableKafkaError(e.originalError) : e.cause !== undefined && isRetriableKafkaError(e.cause);
    default:
      return e.retriable === true;
  }
}
