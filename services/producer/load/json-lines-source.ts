import fs from 'node:fs';
import readline from 'node:readline';
import { describeValue } from '../../../lib/errors';
import type { SyntheticEntry } from './synthetic-logs';

export type JsonLine = { readonly lineNumber: number } & ({ readonly entry: SyntheticEntry } | { readonly error: string });

/**
 * Reads standardized log entries, one JSON object per line, from a file or `-` (stdin).
 * Field names follow the LogRecord: timestamp (ISO text or microseconds), level, message, service,
 * version, component, node_id, trace_id, span_id, context (object), log_id.
 */
export async function* readJsonLines(file: string): AsyncGenerator<JsonLine> {
  const input = file === '-' ? process.stdin : fs.createReadStream(file, { encoding: 'utf8' });
  const lines = readline.createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let lineNumber = 0;
  for await (const text of lines) {
    lineNumber++;
    if (text.trim() === '') continue;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (err) {
      yield { lineNumber, error: `not JSON: ${(err as Error).message}` };
      continue;
    }
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      yield { lineNumber, error: `expected a JSON object, found ${describeValue(parsed)}` };
      continue;
    }
    const o = parsed as Record<string, unknown>;
    const timestampMicros = toMicros(o.timestamp);
    if (o.timestamp !== undefined && timestampMicros === undefined) {
      yield { lineNumber, error: `timestamp is ${describeValue(o.timestamp)}, expected ISO-8601 text or microseconds since the epoch` };
      continue;
    }
    yield {
      lineNumber,
      entry: {
        origin: { service: o.service as string, nodeId: o.node_id as string, version: typeof o.version === 'string' ? o.version : undefined },
        call: {
          level: o.level,
          message: o.message,
          component: o.component,
          context: o.context,
          traceId: typeof o.trace_id === 'string' ? o.trace_id : undefined,
          spanId: typeof o.span_id === 'string' ? o.span_id : undefined,
          timestampMicros,
          logId: typeof o.log_id === 'string' ? o.log_id : undefined,
        },
      },
    };
  }
}

function toMicros(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
  if (typeof value !== 'string') return undefined;
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) return undefined;
  // Keep microseconds written in the text (Date.parse stops at milliseconds).
  const fraction = /\.(\d{4,6})/.exec(value)?.[1];
  return fraction === undefined ? ms * 1000 : Math.floor(ms / 1000) * 1_000_000 + Number(fraction.padEnd(6, '0'));
}
