import { RE2JS } from 're2js';
import type { EnrichedRecord } from '../../enricher/enriched-record';
import type { AlertRule, FieldCondition, GroupByField } from './rule-schema';

/** A validated rule with its predicates built once. */
export interface CompiledRule {
  readonly rule: AlertRule;
  /** Inside the rule's scope (component/node/service filters): counts towards a ratio's denominator. */
  readonly inScope: (record: EnrichedRecord) => boolean;
  /** In scope and matching levels, message and field conditions. */
  readonly matches: (record: EnrichedRecord) => boolean;
  /** `node_id=node-3,component=api`, or '' without group-by; undefined when a group-by field is empty. */
  readonly groupOf: (record: EnrichedRecord) => { key: string; values: Record<string, string> } | undefined;
}

/**
 * Builds a rule's predicates. Message patterns run on RE2 (re2js): matching time is linear
 * in the message length whatever the pattern, so no rule can hang the analyzer; RE2 refuses
 * backreferences and lookaround at compile time, which is reported as a rule error.
 */
export function compileRule(rule: AlertRule): CompiledRule {
  const { match } = rule;
  const components = match.components && new Set(match.components);
  const nodes = match.nodes && new Set(match.nodes);
  const services = match.services && new Set(match.services);
  const levels = match.levels && new Set<string>(match.levels);
  const pattern = match.message === undefined ? undefined : compilePattern(match.message);
  const conditions = (match.fields ?? []).map(compileCondition);
  const inScope = (r: EnrichedRecord): boolean =>
    (components === undefined || components.has(r.component)) && (nodes === undefined || nodes.has(r.node_id)) && (services === undefined || services.has(r.service));
  const matches = (r: EnrichedRecord): boolean =>
    inScope(r) && (levels === undefined || levels.has(r.level)) && conditions.every((c) => c(r)) && (pattern === undefined || pattern.matcher(r.message).find());
  const groupOf = (r: EnrichedRecord) => groupKey(rule.groupBy, r);
  return { rule, inScope, matches, groupOf };
}

function compilePattern(source: string): RE2JS {
  try {
    return RE2JS.compile(source, RE2JS.CASE_INSENSITIVE);
  } catch (err) {
    throw new Error(`${JSON.stringify(source)} is not a pattern the linear-time engine (RE2) accepts: ${(err as Error).message}`);
  }
}

function compileCondition(c: FieldCondition): (r: EnrichedRecord) => boolean {
  const read = (r: EnrichedRecord): string | number | null => (r[c.field] as string | number | null | undefined) ?? null;
  const value = c.value;
  switch (c.op) {
    case 'exists':
      return (r) => read(r) !== null;
    case 'eq':
      return (r) => read(r) === value;
    case 'ne':
      return (r) => read(r) !== value;
    case 'in': {
      const set = new Set(value as Array<string | number>);
      return (r) => {
        const v = read(r);
        return v !== null && set.has(v);
      };
    }
    default: {
      const bound = value as number;
      const test = { gt: (v: number) => v > bound, gte: (v: number) => v >= bound, lt: (v: number) => v < bound, lte: (v: number) => v <= bound }[c.op];
      return (r) => {
        const v = read(r);
        return typeof v === 'number' && test(v);
      };
    }
  }
}

function groupKey(fields: readonly GroupByField[], r: EnrichedRecord): { key: string; values: Record<string, string> } | undefined {
  if (fields.length === 0) return { key: '', values: {} };
  const values: Record<string, string> = {};
  const parts: string[] = [];
  for (const f of fields) {
    const v = r[f];
    if (v === null || v === '') return undefined;
    values[f] = v;
    parts.push(`${f}=${v}`);
  }
  return { key: parts.join(','), values };
}
