export { LEVELS, SEVERITY, normalizeLevel, LEVEL_INPUTS, type Level } from './levels';
export { LOG_RECORD_SCHEMA, type LogRecord, type ContextValue, type LogContext } from './log-record';
export { serializeContext } from './serialize-context';
export { nowMicros } from './now-micros';
export { BoundedCache } from './bounded-cache';
