/**
 * What to do with a push request after Loki's answer (Loki push API: 204 on success,
 * plain-text reason otherwise):
 * - ok:             2xx, every entry acknowledged (Loki answers 204).
 * - retry:          no answer, 408, 429 (rate limits) or 5xx: transient, sent again after back-off.
 * - split:          400 (entry too old or too new, line too long, label or stream limits) or a
 *                   proxy's 413, with more than one entry: a 400 covers the whole request, so
 *                   halve it to find the refused entries.
 * - dead-letter:    the same with one entry: that entry is refused for good.
 * - request-failed: other 4xx (401, 403, 404, ...): configuration, not data; nothing is
 *                   dead-lettered, the request is retried with back-off and logged at ERROR.
 */
export type PushVerdict = 'ok' | 'retry' | 'split' | 'dead-letter' | 'request-failed';

export function classify(status: number | undefined, entries: number): PushVerdict {
  if (status === undefined) return 'retry';
  if (status >= 200 && status < 300) return 'ok';
  if (status === 408 || status === 429 || status >= 500) return 'retry';
  if (status === 400 || status === 413) return entries > 1 ? 'split' : 'dead-letter';
  return 'request-failed';
}

/** Longest Retry-After honoured; a longer one (or a broken clock in an HTTP date) is cut to this. */
export const RETRY_AFTER_CAP_MS = 300_000; // 5 min

/** Retry-After (RFC 9110 §10.2.3): delay-seconds or an HTTP-date, as ms from `nowMs`; undefined when absent or unreadable. */
export function parseRetryAfterMs(header: string | undefined, nowMs: number = Date.now()): number | undefined {
  if (header === undefined) return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Math.min(RETRY_AFTER_CAP_MS, Number(text) * 1000);
  const at = Date.parse(text);
  if (!Number.isFinite(at)) return undefined;
  return Math.min(RETRY_AFTER_CAP_MS, Math.max(0, at - nowMs));
}

/**
 * Delay before attempt `attempt + 1`. Without Retry-After: exponential with full jitter,
 * capped at `maxMs`. With it: at least what the server asked, plus up to `initialMs` of
 * jitter so that sinks told the same second do not return in lockstep.
 */
export function retryDelayMs(attempt: number, initialMs: number, maxMs: number, retryAfterMs: number | undefined, random: () => number = Math.random): number {
  if (retryAfterMs !== undefined) return Math.round(retryAfterMs + random() * initialMs);
  return Math.round(random() * Math.min(maxMs, initialMs * 2 ** Math.min(attempt - 1, 20)));
}

/** Loki's reason for a refused push, one line, bounded: what the dead-letter header carries. */
export function lokiReason(status: number, body: string): string {
  const text = body.trim().replace(/\s*\n\s*/g, ' | ');
  return `Loki refused the entry with ${status}: ${text === '' ? 'no reason given' : text}`.slice(0, 1_500);
}
