/** 1 MiB and 100 MiB: the platform's small / medium / large file boundaries. */
export const MEDIUM_FROM_BYTES = 1_048_576;
export const LARGE_FROM_BYTES = 104_857_600;

export type SizeCategory = 'small' | 'medium' | 'large';

export type SizeResult = { readonly sizeBytes: number; readonly category: SizeCategory } | { readonly tag: string } | undefined;

/**
 * Category of `context.size_bytes`. Integers and strings of digits are accepted; anything
 * else (negative, fractional, beyond 2^53, "12kb") gets no category and a tag saying why.
 * Undefined when the record has no size at all.
 */
export function sizeCategory(raw: unknown): SizeResult {
  if (raw === undefined || raw === null) return undefined;
  let bytes: number;
  if (typeof raw === 'number') bytes = raw;
  else if (typeof raw === 'string' && /^\s*\d+\s*$/.test(raw)) bytes = Number(raw);
  else return { tag: 'size_bytes_not_numeric' };
  if (!Number.isInteger(bytes)) return { tag: Number.isFinite(bytes) && bytes > Number.MAX_SAFE_INTEGER ? 'size_bytes_out_of_range' : 'size_bytes_not_integer' };
  if (bytes < 0) return { tag: 'size_bytes_negative' };
  if (bytes > Number.MAX_SAFE_INTEGER) return { tag: 'size_bytes_out_of_range' };
  return { sizeBytes: bytes, category: bytes < MEDIUM_FROM_BYTES ? 'small' : bytes < LARGE_FROM_BYTES ? 'medium' : 'large' };
}
