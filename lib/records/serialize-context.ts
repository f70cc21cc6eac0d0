import { describeValue, LogpipeError } from '../errors';
import type { ErrorCode } from '../errors';

/**
 * JSON text of a context object. Refuses what JSON would silently change or drop
 * (functions, symbols, undefined inside arrays, NaN/Infinity, BigInt) and cycles,
 * naming the key: a log entry must arrive as the app wrote it.
 *
 * Checks first, then one plain JSON.stringify: a replacer function costs a call per key
 * and made this the producer's second-largest CPU cost (bench, node --cpu-prof).
 */
export function serializeContext(context: unknown, code: ErrorCode = 'PRODUCER_INVALID_RECORD'): string {
  if (context === undefined || context === null) return '{}';
  if (typeof context !== 'object' || Array.isArray(context)) {
    throw new LogpipeError(code, `context is ${describeValue(context)}, expected a plain object`, { context: { field: 'context', value: context } });
  }
  check(context as Record<string, unknown>, 'context', code, []);
  return JSON.stringify(context);
}

function check(node: object, path: string, code: ErrorCode, ancestors: object[]): void {
  if (ancestors.includes(node)) {
    throw new LogpipeError(code, `${path} refers back to an enclosing object: a circular structure cannot be serialized`, { context: { field: path } });
  }
  // Objects with toJSON (Date, ...) serialize as their own JSON; trust them.
  if (typeof (node as { toJSON?: unknown }).toJSON === 'function') return;
  const isArray = Array.isArray(node);
  ancestors.push(node);
  for (const key in node) {
    if (!Object.prototype.hasOwnProperty.call(node, key)) continue;
    const value = (node as Record<string, unknown>)[key];
    switch (typeof value) {
      case 'string':
      case 'boolean':
        break;
      case 'number':
        if (!Number.isFinite(value)) fail(code, `${path}.${key}`, value, 'NaN and Infinity cannot be serialized to JSON');
        break;
      case 'object':
        if (value !== null) check(value, `${path}.${key}`, code, ancestors);
        break;
      case 'undefined':
        if (isArray) fail(code, `${path}.${key}`, value, 'undefined inside an array would become null');
        break;
      case 'bigint':
        fail(code, `${path}.${key}`, value, 'BigInt cannot be serialized to JSON; pass a number or a string');
        break;
      default:
        fail(code, `${path}.${key}`, value, 'functions and symbols cannot be serialized');
    }
  }
  ancestors.pop();
}

function fail(code: ErrorCode, field: string, value: unknown, why: string): never {
  throw new LogpipeError(code, `${field} is ${describeValue(value)}: ${why}`, { context: { field, value } });
}
