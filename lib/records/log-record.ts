import type { Level } from './levels';

/** Name of the Avro schema in schemas/log-record.avsc. */
export const LOG_RECORD_SCHEMA = 'io.logpipe.LogRecord';

/** A LogRecord as Avro reads and writes it (schemas/log-record.avsc). */
export interface LogRecord {
  /** Event time, microseconds since the Unix epoch. */
  timestamp: number;
  level: Level;
  message: string;
  service: string;
  version: string | null;
  component: string;
  node_id: string;
  trace_id: string | null;
  span_id: string | null;
  /** JSON object text. */
  context: string;
  log_id: string;
  severity: number;
}

/** Free-form context values: JSON's types. */
export type ContextValue = string | number | boolean | null | ContextValue[] | { [key: string]: ContextValue };
export type LogContext = { [key: string]: ContextValue };
