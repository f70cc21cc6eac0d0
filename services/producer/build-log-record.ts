import crypto from 'node:crypto';
import { describeValue, LogpipeError } from '../../lib/errors';
import { LEVELS, normalizeLevel, nowMicros, serializeContext, SEVERITY, type LogRecord } from '../../lib/records';

/** What an app passes per call, beyond the collector's fixed service/node/version. */
export interface LogCall {
  readonly level: unknown;
  readonly message: unknown;
  readonly component: unknown;
  readonly context?: unknown;
  readonly traceId?: string | undefined;
  readonly spanId?: string | undefined;
  /** Event time in microseconds; now when omitted (the pino transport passes the line's own time). */
  readonly timestampMicros?: number | undefined;
  /** An existing identity (re-publishing a file keeps its ids, so replays stay idempotent); new when omitted. */
  readonly logId?: string | undefined;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface RecordOrigin {
  readonly service: string;
  readonly nodeId: string;
  readonly version?: string | undefined;
}

function invalid(field: string, value: unknown, expected: string): LogpipeError {
  return new LogpipeError('PRODUCER_INVALID_RECORD', `${field} is ${describeValue(value)}, expected ${expected}`, { context: { field, value } });
}

function optionalId(field: string, value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value.length === 0) throw invalid(field, value, 'a non-empty string or nothing');
  return value;
}

/** Validates one call and builds the LogRecord; throws PRODUCER_INVALID_RECORD naming the field. */
export function buildLogRecord(call: LogCall, origin: RecordOrigin): LogRecord {
  const level = normalizeLevel(call.level);
  if (level === undefined) throw invalid('level', call.level, `one of ${LEVELS.join(', ')} (or an alias such as warn, fatal)`);
  if (typeof call.message !== 'string' || call.message.length === 0) throw invalid('message', call.message, 'a non-empty string');
  if (typeof call.component !== 'string' || call.component.length === 0) throw invalid('component', call.component, 'a non-empty string');
  const timestamp = call.timestampMicros ?? nowMicros();
  if (!Number.isSafeInteger(timestamp) || timestamp < 0) throw invalid('timestamp', timestamp, 'microseconds since the epoch as a non-negative integer');
  return {
    timestamp,
    level,
    message: call.message,
    service: origin.service,
    version: origin.version ?? null,
    component: call.component,
    node_id: origin.nodeId,
    trace_id: optionalId('traceId', call.traceId),
    span_id: optionalId('spanId', call.spanId),
    context: serializeContext(call.context),
    log_id: logIdOf(call.logId),
    severity: SEVERITY[level],
  };
}

function logIdOf(logId: unknown): string {
  if (logId === undefined) return crypto.randomUUID();
  if (typeof logId !== 'string' || !UUID.test(logId)) throw invalid('log_id', logId, 'a UUID such as 2b8a4d40-1c8e-4a57-9d43-7f0d6f1d2c11');
  return logId.toLowerCase();
}
