import type { LogCall } from './build-log-record';

/** pino's numeric levels (10 trace ... 60 fatal) by the name logpipe normalizes. */
const PINO_LEVELS: Readonly<Record<number, string>> = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };

/** Fields of a pino line that become LogRecord fields, or that pino adds and nobody needs as context. */
const RESERVED = new Set(['level', 'time', 'msg', 'component', 'trace_id', 'traceId', 'span_id', 'spanId', 'v', 'pid', 'hostname']);

export interface PinoLineOptions {
  /** Component when a line has none. */
  readonly defaultComponent: string;
}

/**
 * Maps one parsed pino line to a log call: numeric level -> name, `msg` -> message,
 * `time` (ms) -> event time, `component`/`trace_id`/`span_id` to their fields, the rest -> context.
 * A custom level number maps to the nearest standard level at or below it.
 */
export function pinoLineToCall(line: Record<string, unknown>, options: PinoLineOptions): LogCall {
  const context: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(line)) if (!RESERVED.has(key)) context[key] = value;
  const time = typeof line.time === 'number' ? line.time : typeof line.time === 'string' ? Date.parse(line.time) : Number.NaN;
  return {
    level: pinoLevelName(line.level),
    message: line.msg,
    component: typeof line.component === 'string' && line.component !== '' ? line.component : options.defaultComponent,
    context,
    traceId: stringOrUndefined(line.trace_id ?? line.traceId),
    spanId: stringOrUndefined(line.span_id ?? line.spanId),
    timestampMicros: Number.isFinite(time) ? Math.round(time * 1000) : undefined,
  };
}

function pinoLevelName(level: unknown): unknown {
  if (typeof level !== 'number') return level; // pino with formatters.level emits names already
  const known = Object.keys(PINO_LEVELS)
    .map(Number)
    .filter((n) => n <= level)
    .pop();
  return known === undefined ? level : PINO_LEVELS[known];
}

function stringOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}
