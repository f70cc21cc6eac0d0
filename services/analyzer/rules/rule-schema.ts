import { z } from 'zod';
import { LEVELS } from '../../../lib/records';

/** Enriched fields a rule's field conditions may test (scalars of schemas/enriched-record.avsc). */
export const CONDITION_FIELDS = [
  'service',
  'version',
  'component',
  'node_id',
  'severity',
  'size_bytes',
  'size_category',
  'client_ip',
  'ip_class',
  'cpu_usage',
  'memory_usage',
  'usage_percent',
  'latency_ms',
  'response_time_ms',
  'throughput_ops',
  'error_type',
  'warning_type',
] as const;
export type ConditionField = (typeof CONDITION_FIELDS)[number];

/** Fields a rule may group by: one alert per distinct combination of their values. */
export const GROUP_BY_FIELDS = ['service', 'component', 'node_id', 'error_type', 'warning_type'] as const;
export type GroupByField = (typeof GROUP_BY_FIELDS)[number];

const duration = z
  .union([z.number().int().positive(), z.string().regex(/^\d+\s*(ms|s|m|h)$/, 'expected a duration like 300s, 5m or 1h')])
  .transform((v) => (typeof v === 'number' ? v * 1000 : parseDuration(v)));

function parseDuration(text: string): number {
  const m = /^(\d+)\s*(ms|s|m|h)$/.exec(text) as RegExpExecArray;
  const unit = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000 }[m[2] as 'ms' | 's' | 'm' | 'h'];
  return Number(m[1]) * unit;
}

const condition = z
  .object({
    field: z.enum(CONDITION_FIELDS),
    op: z.enum(['eq', 'ne', 'gt', 'gte', 'lt', 'lte', 'in', 'exists']),
    value: z.union([z.string(), z.number(), z.boolean(), z.array(z.union([z.string(), z.number()]))]).optional(),
  })
  .strict()
  .refine((c) => c.op === 'exists' || c.value !== undefined, { message: 'a value is required for every op but exists', path: ['value'] })
  .refine((c) => c.op !== 'in' || Array.isArray(c.value), { message: "op 'in' takes a list", path: ['value'] })
  .refine((c) => !['gt', 'gte', 'lt', 'lte'].includes(c.op) || typeof c.value === 'number', { message: 'a numeric comparison takes a number', path: ['value'] });

export const ruleSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9_.-]*$/, 'expected a lowercase id of letters, digits, _ . -'),
    name: z.string().min(1),
    description: z.string().default(''),
    severity: z.enum(['info', 'warning', 'error', 'critical']),
    enabled: z.boolean().default(true),
    kind: z.enum(['frequency', 'ratio', 'flatline']),
    /** Which records count. `components`/`nodes`/`services` scope the rule (the ratio's denominator too); levels, message and fields select the matches. */
    match: z
      .object({
        levels: z.array(z.enum(LEVELS)).min(1).optional(),
        /** Case-insensitive, RE2 syntax (linear time: no backreferences or lookaround). */
        message: z.string().min(1).optional(),
        components: z.array(z.string().min(1)).min(1).optional(),
        nodes: z.array(z.string().min(1)).min(1).optional(),
        services: z.array(z.string().min(1)).min(1).optional(),
        fields: z.array(condition).optional(),
      })
      .strict()
      .default({}),
    /** frequency: at least this many matches; flatline: fewer than this many records; ratio: matches / all above this fraction. */
    threshold: z.number().positive(),
    window: duration,
    /** How often the window is evaluated: windows hop by this much (a divisor of the window). */
    every: duration.default(60),
    groupBy: z.array(z.enum(GROUP_BY_FIELDS)).default([]),
    /** ratio: windows with fewer records than this in the group are not evaluated (a 1-of-1 error rate is noise). */
    minRecords: z.number().int().positive().default(1),
  })
  .strict()
  .superRefine((rule, ctx) => {
    if (typeof rule.window === 'number' && typeof rule.every === 'number' && rule.window % rule.every !== 0) ctx.addIssue({ code: 'custom', path: ['every'], message: `must divide the window (${rule.window} ms)` });
    if (rule.kind === 'ratio' && rule.threshold >= 1) ctx.addIssue({ code: 'custom', path: ['threshold'], message: 'a ratio threshold is a fraction below 1, e.g. 0.05' });
    if (rule.kind !== 'ratio' && !Number.isInteger(rule.threshold)) ctx.addIssue({ code: 'custom', path: ['threshold'], message: 'a count threshold is an integer' });
  });

export const rulesFileSchema = z.object({ rules: z.array(z.unknown()) }).strict();

export type AlertRule = Readonly<z.output<typeof ruleSchema>>;
export type FieldCondition = z.output<typeof condition>;
