import type { AlertEvent, RuleState } from '../alerts/alert-types';
import type { RuleEvaluator } from '../alerts/rule-evaluator';
import { SummaryBuilder } from '../stats/summary-aggregate';
import type { WindowSummary } from '../stats/summary-types';
import type { AnalyzerPartial, AnalyzerState, MergeWatermarks, SourceWatermark } from './state-types';

const WATERMARKS_KEY = 'watermarks';
const ruleKey = (ruleId: string, groupKey: string) => `rule|${ruleId}|${groupKey}`;
const summaryKey = (windowStart: number) => `summary|${windowStart}`;

export interface MergeOutput {
  readonly alerts: AlertEvent[];
  readonly summaries: WindowSummary[];
  readonly lateRecords: number;
}

/**
 * The second stage's state for one partition of the partials topic: every rule group and
 * summary window keyed to it, and the watermark of every input partition. It is a pure fold
 * over the partition's partials, so replaying them or restoring it from the changelog gives
 * the same state; `takeChanges` yields what to write to the changelog after each batch.
 */
export class MergePartitionState {
  private readonly rules = new Map<string, RuleState>();
  private readonly summaries = new Map<number, SummaryBuilder>();
  private watermarks: MergeWatermarks = { sources: {}, closed_until: 0 };
  private readonly dirty = new Set<string>();

  constructor(
    private readonly evaluators: ReadonlyMap<string, RuleEvaluator>,
    private readonly allowedLatenessMs: number,
  ) {}

  /** Loads one changelog record (null value: the key was deleted). */
  restore(key: string, state: AnalyzerState | null): void {
    if (key === WATERMARKS_KEY) {
      if (state?.watermarks) this.watermarks = state.watermarks;
    } else if (key.startsWith('rule|')) {
      if (state?.rule) this.rules.set(key, state.rule);
      else this.rules.delete(key);
    } else if (key.startsWith('summary|')) {
      const start = Number(key.slice('summary|'.length));
      if (state?.summary) this.summaries.set(start, SummaryBuilder.from(state.summary));
      else this.summaries.delete(start);
    }
  }

  get closedUntil(): number {
    return this.watermarks.closed_until;
  }

  apply(partial: AnalyzerPartial): MergeOutput {
    const out: MergeOutput = { alerts: [], summaries: [], lateRecords: 0 };
    if (partial.rule !== null) {
      const evaluator = this.evaluators.get(partial.rule.rule_id);
      // A rule removed from the file since the partial was written: nothing to evaluate.
      if (evaluator === undefined || partial.rule.buckets.length === 0) return out;
      const key = ruleKey(partial.rule.rule_id, partial.rule.group_key);
      let state = this.rules.get(key);
      if (state === undefined) {
        state = evaluator.newState(partial.rule.group_key, partial.rule.group, this.watermarks.closed_until, partial.rule.buckets[0]!.start);
        this.rules.set(key, state);
      }
      const { events, lateRecords } = evaluator.addBuckets(state, partial.rule.buckets);
      out.alerts.push(...events);
      (out as { lateRecords: number }).lateRecords += lateRecords;
      this.dirty.add(key);
    } else if (partial.summary !== null) {
      const s = partial.summary;
      if (s.window_end <= this.watermarks.closed_until) {
        (out as { lateRecords: number }).lateRecords += s.counts.total;
        return out;
      }
      const builder = this.summaries.get(s.window_start);
      if (builder === undefined) this.summaries.set(s.window_start, SummaryBuilder.from(s));
      else builder.merge(s);
      this.dirty.add(summaryKey(s.window_start));
    } else if (partial.watermark !== null) {
      this.advanceWatermark(partial.watermark, out);
    }
    return out;
  }

  /** Changelog writes since the last call: key -> new state, or null to delete. */
  takeChanges(): Array<{ key: string; state: AnalyzerState | null }> {
    const changes: Array<{ key: string; state: AnalyzerState | null }> = [];
    for (const key of [...this.dirty].sort()) {
      if (key === WATERMARKS_KEY) changes.push({ key, state: { rule: null, summary: null, watermarks: this.watermarks } });
      else if (key.startsWith('rule|')) {
        const rule = this.rules.get(key);
        changes.push({ key, state: rule === undefined ? null : { rule, summary: null, watermarks: null } });
      } else {
        const builder = this.summaries.get(Number(key.slice('summary|'.length)));
        changes.push({ key, state: builder === undefined ? null : { rule: null, summary: builder.toAggregate(), watermarks: null } });
      }
    }
    this.dirty.clear();
    return changes;
  }

  private advanceWatermark(w: SourceWatermark, out: MergeOutput): void {
    const sources = this.watermarks.sources;
    const previous = sources[String(w.source_partition)];
    sources[String(w.source_partition)] = { ...w, event_time: Math.max(w.event_time, previous?.event_time ?? -1) };
    this.dirty.add(WATERMARKS_KEY);
    const closedUntil = this.closedUntilFrom(sources, w.source_partitions);
    if (closedUntil === undefined || closedUntil <= this.watermarks.closed_until) return;
    this.watermarks.closed_until = closedUntil;
    for (const [key, state] of [...this.rules].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const evaluator = this.evaluators.get(state.rule_id);
      if (evaluator === undefined) continue;
      const events = evaluator.advance(state, closedUntil);
      this.dirty.add(key);
      out.alerts.push(...events);
    }
    for (const start of [...this.summaries.keys()].sort((a, b) => a - b)) {
      const builder = this.summaries.get(start) as SummaryBuilder;
      if (builder.windowEnd > closedUntil) continue;
      out.summaries.push(builder.toSummary());
      this.summaries.delete(start);
      this.dirty.add(summaryKey(start));
    }
  }

  /**
   * Windows ending at or before this are closed: the slowest input partition's event time
   * minus the allowed lateness. Undefined until every input partition has reported, and while
   * an active partition has no event time yet (a partition with records to read whose times
   * are unknown could hold any window). Idle partitions (caught up and quiet) do not hold
   * windows open; if all are idle, the most advanced one counts.
   */
  private closedUntilFrom(sources: Record<string, SourceWatermark>, expected: number): number | undefined {
    const all = Object.values(sources);
    if (all.length < expected) return undefined;
    const active = all.filter((s) => !s.idle);
    if (active.some((s) => s.event_time < 0)) return undefined;
    const times = (active.length > 0 ? active : all).map((s) => s.event_time).filter((t) => t >= 0);
    if (times.length === 0) return undefined;
    const watermark = active.length > 0 ? Math.min(...times) : Math.max(...times);
    return watermark - this.allowedLatenessMs;
  }
}
