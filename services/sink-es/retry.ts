/** What to do with one document after a bulk response (Elasticsearch bulk API, per-item `status`). */
export type ItemVerdict = 'ok' | 'retry' | 'dead-letter';

/**
 * 2xx: written. 429 (queue full, circuit breaker) and 5xx: transient, retried with back-off.
 * Other 4xx (mapper_parsing_exception, document too large, illegal argument): the document
 * itself is refused and will be refused again, so it goes to the dead-letter topic.
 */
export function classifyItem(status: number): ItemVerdict {
  if (status >= 200 && status < 300) return 'ok';
  if (status === 429 || status >= 500) return 'retry';
  return 'dead-letter';
}

export type ResponseVerdict = 'items' | 'retry' | 'split' | 'fail';

/** The whole request: 200 means read the items; 429/5xx and no answer retry; 413 splits; else fail loudly. */
export function classifyResponse(status: number | undefined): ResponseVerdict {
  if (status === undefined) return 'retry';
  if (status === 200) return 'items';
  if (status === 413) return 'split';
  if (status === 429 || status >= 500) return 'retry';
  return 'fail';
}

/** Exponential back-off with full jitter, in ms. */
export function backoffMs(attempt: number, initialMs: number, maxMs: number): number {
  return Math.round(Math.random() * Math.min(maxMs, initialMs * 2 ** Math.min(attempt - 1, 20)));
}
