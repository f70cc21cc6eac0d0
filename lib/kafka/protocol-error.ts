/**
 * `err` and the errors it wraps, outermost first: kafkajs wraps errors in others
 * (KafkaJSNonRetriableError.originalError, KafkaJSNumberOfRetriesExceeded, `cause`), so the one
 * that decides what to do may be a few levels down.
 */
export function* errorChain(err: unknown): Generator<{ name?: unknown; type?: unknown; code?: unknown }> {
  for (let e: unknown = err, depth = 0; e !== null && typeof e === 'object' && depth < 8; depth++) {
    const candidate = e as { name?: unknown; type?: unknown; code?: unknown; originalError?: unknown; cause?: unknown };
    yield candidate;
    e = candidate.originalError ?? candidate.cause;
  }
}

/** The Kafka protocol error of one of `types` inside `err` (see `errorChain`). */
export function findProtocolError(err: unknown, types: ReadonlySet<string>): Error | undefined {
  for (const e of errorChain(err)) {
    if (typeof e.type === 'string' && types.has(e.type)) return e as Error;
  }
  return undefined;
}
