/** Context fields that are percentages or loads, converted to floats for aggregation. */
export const NUMERIC_CONTEXT_FIELDS = ['cpu_usage', 'memory_usage', 'usage_percent'] as const;
export type NumericContextField = (typeof NUMERIC_CONTEXT_FIELDS)[number];

/** A finite number from a number or a numeric string ("45.5", " 45 ", "45.5%"); undefined otherwise. */
export function toFloat(raw: unknown): number | undefined {
  if (typeof raw === 'number') return Number.isFinite(raw) ? raw : undefined;
  if (typeof raw !== 'string') return undefined;
  const match = /^\s*(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)\s*%?\s*$/i.exec(raw);
  return match ? Number(match[1]) : undefined;
}

export type NumericResult = { [K in NumericContextField]: number | null } & { tags: string[] };

export function numericFields(context: Readonly<Record<string, unknown>>): NumericResult {
  const result = { cpu_usage: null, memory_usage: null, usage_percent: null, tags: [] } as NumericResult;
  for (const field of NUMERIC_CONTEXT_FIELDS) {
    const raw = context[field];
    if (raw === undefined || raw === null) continue;
    const value = toFloat(raw);
    if (value === undefined) result.tags.push(`${field}_not_numeric`);
    else result[field] = value;
  }
  return result;
}
