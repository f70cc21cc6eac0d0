/**
 * The Kafka protocol error of one of `types` inside `err`: kafkajs wraps protocol errors
 * (KafkaJSNonRetriableError.originalError, KafkaJSNumberOfRetriesExceeded, `cause`), so the
 * answer that decides what to do may be a few levels down.
 */
export function findProtocolError(err: unknown, types: ReadonlySet<string>): Error | undefined {
  for (let e: unknown = err, depth = 0; e !== null && typeof e === 'object' && depth < 8; depth++) {
    const candidate = e as { type?: unknown; originalError?: unknown; cause?: unknown };
    if (typeof candidate.type === 'string' && types.has(candidate.type)) return e as Error;
    e = candidate.originalError ?? candidate.cause;
  }
  return undefined;
}
