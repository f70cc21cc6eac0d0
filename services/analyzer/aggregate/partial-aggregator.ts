import type { EnrichedRecord } from '../../enricher/enriched-record';
import type { RuleBucket } from '../alerts/alert-types';
import { smallest } from '../alerts/rule-evaluator';
import type { CompiledRule } from '../rules/compile-rule';
import { SummaryBuilder } from '../stats/summary-aggregate';
import type { SummaryAggregate } from '../stats/summary-types';

/** One rule group's counts from one input batch (schemas: RulePartial). */
export interface RulePartial {
  rule_id: string;
  group_key: string;
  group: Record<string, string>;
  buckets: RuleBucket[];
}

export interface AggregatorSettings {
  /** Tumbling summary window, ms. */
  readonly summaryWindowMs: number;
  /** Records older than the partition's watermark minus this are late. */
  readonly allowedLatenessMs: number;
  readonly maxSamples: number;
}

export interface BatchAggregate {
  readonly rules: RulePartial[];
  readonly summaries: SummaryAggregate[];
  /** Highest event time (ms) seen on the partition, this batch included. */
  readonly watermark: number;
  readonly lateRecords: number;
}

/**
 * The first stage: what one batch of one input partition contributes to each rule group
 * (per hop-sized bucket) and to each summary window. Lateness is judged per partition in
 * offset order against the partition's own watermark, so it does not depend on batching
 * or on other partitions.
 */
export function aggregateBatch(records: readonly EnrichedRecord[], rules: readonly CompiledRule[], watermark: number, settings: AggregatorSettings): BatchAggregate {
  const summaries = new Map<number, SummaryBuilder>();
  const groups = new Map<string, { partial: RulePartial; buckets: Map<number, RuleBucket> }>();
  let wm = watermark;
  let lateRecords = 0;
  for (const r of records) {
    const ts = Math.floor(r.timestamp / 1000);
    if (wm >= 0 && ts < wm - settings.allowedLatenessMs) {
      lateRecords++;
      continue;
    }
    if (ts > wm) wm = ts;
    const windowStart = Math.floor(ts / settings.summaryWindowMs) * settings.summaryWindowMs;
    let summary = summaries.get(windowStart);
    if (summary === undefined) summaries.set(windowStart, (summary = new SummaryBuilder(windowStart, windowStart + settings.summaryWindowMs)));
    summary.add(r);
    for (const compiled of rules) {
      const { rule } = compiled;
      if (!compiled.inScope(r)) continue;
      const matched = compiled.matches(r);
      // Only a ratio needs the records that do not match (its denominator).
      if (!matched && rule.kind !== 'ratio') continue;
      const group = compiled.groupOf(r);
      if (group === undefined) continue;
      const key = `${rule.id}\u0000${group.key}`;
      let entry = groups.get(key);
      if (entry === undefined) groups.set(key, (entry = { partial: { rule_id: rule.id, group_key: group.key, group: group.values, buckets: [] }, buckets: new Map() }));
      const start = Math.floor(ts / rule.every) * rule.every;
      let bucket = entry.buckets.get(start);
      if (bucket === undefined) entry.buckets.set(start, (bucket = { start, matched: 0, total: 0, samples: [] }));
      bucket.total++;
      if (matched) {
        bucket.matched++;
        bucket.samples.push(r.log_id);
      }
    }
  }
  const rulePartials = [...groups.values()].map(({ partial, buckets }) => ({
    ...partial,
    buckets: [...buckets.values()].sort((a, b) => a.start - b.start).map((b) => ({ ...b, samples: smallest(b.samples, settings.maxSamples) })),
  }));
  return { rules: rulePartials, summaries: [...summaries.values()].map((s) => s.toAggregate()), watermark: wm, lateRecords };
}
