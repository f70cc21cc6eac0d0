import { z } from 'zod';
import { describeValue, LogpipeError } from '../errors';

/**
 * Validates `input` against `schema` and returns the frozen result. Every problem is
 * reported at once, one line each, naming the key, the value found and what was expected.
 */
export function parseConfig<S extends z.ZodType>(schema: S, input: unknown, what: string): Readonly<z.output<S>> {
  const result = schema.safeParse(input);
  if (result.success) return deepFreeze(result.data);
  const lines = result.error.issues.map((issue) => {
    const key = issue.path.length > 0 ? issue.path.join('.') : '(root)';
    if (issue.code === 'unrecognized_keys') {
      return `${issue.keys.map((k) => (issue.path.length > 0 ? `${key}.${k}` : k)).join(', ')}: unknown key${issue.keys.length > 1 ? 's' : ''}`;
    }
    const found = valueAt(input, issue.path);
    return `${key}: ${issue.message} (found ${describeValue(found)})`;
  });
  throw new LogpipeError('CONFIG_INVALID', `invalid ${what} configuration, ${lines.length} problem${lines.length > 1 ? 's' : ''}:\n  - ${lines.join('\n  - ')}`, {
    context: { problems: lines },
  });
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let node: unknown = input;
  for (const key of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<PropertyKey, unknown>)[key];
  }
  return node;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value as object)) deepFreeze(child);
  }
  return value;
}
