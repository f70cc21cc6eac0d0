import { describeValue, LogpipeError } from '../../lib/errors';
import type { LogRecord } from '../../lib/records';

export interface ValidationLimits {
  /** Earliest acceptable event time, microseconds since the epoch. */
  readonly minTimestampMicros: number;
  /** How far ahead of this instance's clock an event time may be. */
  readonly maxFutureSkewMicros: number;
}

const REQUIRED_TEXT = ['message', 'service', 'component', 'node_id'] as const;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * Checks what Avro cannot: non-empty required text, a plausible event time, a UUID
 * identity and an object context. Returns the parsed context; throws ENRICH_* naming the field.
 */
export function validateRecord(record: LogRecord, limits: ValidationLimits, nowMicros: number): Record<string, unknown> {
  for (const field of REQUIRED_TEXT) {
    if (record[field].trim() === '') {
      throw new LogpipeError('ENRICH_MISSING_FIELD', `${field} is ${describeValue(record[field])}, expected a non-empty string`, { context: { field, value: record[field] } });
    }
  }
  const ts = record.timestamp;
  if (ts < limits.minTimestampMicros || ts > nowMicros + limits.maxFutureSkewMicros) {
    const iso = Number.isFinite(ts / 1000) && Math.abs(ts / 1000) < 8.64e15 ? new Date(ts / 1000).toISOString() : 'not a date';
    throw new LogpipeError(
      'ENRICH_INVALID_TIMESTAMP',
      `timestamp is ${ts} (${iso}), expected microseconds between ${new Date(limits.minTimestampMicros / 1000).toISOString()} and ${limits.maxFutureSkewMicros / 3.6e9} h from now`,
      { context: { field: 'timestamp', value: ts } },
    );
  }
  if (!UUID.test(record.log_id)) {
    throw new LogpipeError('ENRICH_INVALID_LOG_ID', `log_id is ${describeValue(record.log_id)}, expected a UUID`, { context: { field: 'log_id', value: record.log_id } });
  }
  let context: unknown;
  try {
    context = JSON.parse(record.context);
  } catch (cause) {
    throw new LogpipeError('ENRICH_INVALID_CONTEXT', `context is ${describeValue(record.context)}, expected JSON text of an object (${(cause as Error).message})`, {
      cause,
      context: { field: 'context', value: record.context },
    });
  }
  if (context === null || typeof context !== 'object' || Array.isArray(context)) {
    throw new LogpipeError('ENRICH_INVALID_CONTEXT', `context is ${describeValue(record.context)}, expected a JSON object`, { context: { field: 'context', value: record.context } });
  }
  return context as Record<string, unknown>;
}
