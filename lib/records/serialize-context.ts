import { describeValue, LogpipeError } from '../errors';
import type { ErrorCode } from '../errors';

/**
 * JSON text of a context object. Refuses what JSON would silently change or drop
 * (functions, symbols, undefined inside arrays, NaN/Infinity, BigInt) and cycles,
 * naming the key: a log entry must arrive as the app wrote it.
 */
export function serializeContext(context: unknown, code: ErrorCode = 'PRODUCER_INVALID_RECORD'): string {
  if (context === undefined || context === null) return '{}';
  if (typeof context !== 'object' || Array.isArray(context)) {
    throw new LogpipeError(code, `context is ${describeValue(context)}, expected a plain object`, { context: { field: 'context', value: context } });
  }
  const fail = (key: string, value: unknown, why: string): never => {
    throw new LogpipeError(code, `context.${key} is ${describeValue(value)}: ${why}`, { context: { field: `context.${key}`, value } });
  };
  try {
    return JSON.stringify(context, function replacer(this: unknown, key: string, value: unknown) {
      switch (typeof value) {
        case 'function':
        case 'symbol':
          return fail(key, value, 'functions and symbols cannot be serialized');
        case 'bigint':
          return fail(key, value, 'BigInt cannot be serialized to JSON; pass a number or a string');
        case 'number':
          return Number.isFinite(value) ? value : fail(key, value, 'NaN and Infinity cannot be serialized to JSON');
        case 'undefined':
          return Array.isArray(this) ? fail(key, value, 'undefined inside an array would become null') : value;
        default:
          return value;
      }
    });
  } catch (err) {
    if (err instanceof LogpipeError) throw err;
    throw new LogpipeError(code, `context cannot be serialized: ${(err as Error).message}`, { cause: err, context: { field: 'context' } });
  }
}
