import type { AlertRule } from '../rules/rule-schema';
import { alertId } from './alert-id';
import type { AlertEvent, RuleBucket, RuleState } from './alert-types';

export interface EvaluatorSettings {
  /** While an alert keeps firing, re-notify after this much event time (0: never). */
  readonly renotifyMs: number;
  /** Sample log_ids per event. */
  readonly maxSamples: number;
}

/** Smallest window end (a multiple of `every`) after `closedUntil`: the earliest open window. */
export function firstOpenEnd(closedUntil: number, every: number): number {
  return Math.floor(closedUntil / every) * every + every;
}

/**
 * The alert state machine of one rule group, defined on the sequence of its hopping windows
 * in event-time order: FIRING at the first window whose condition holds while not firing,
 * RESOLVED at the first window whose condition fails while firing. A window is evaluated
 * once it is closed (the watermark passed its end plus the allowed lateness); a frequency
 * rule fires earlier, as soon as the earliest open window crosses its threshold, because
 * counts only grow and every earlier window is already decided — so the events are the same
 * whatever the arrival order, batching or number of instances.
 */
export class RuleEvaluator {
  constructor(
    readonly rule: AlertRule,
    private readonly settings: EvaluatorSettings,
  ) {}

  /** A group seen for the first time while windows up to `closedUntil` are closed. */
  newState(groupKey: string, group: Record<string, string>, closedUntil: number, firstBucket: number): RuleState {
    const open = firstOpenEnd(closedUntil, this.rule.every);
    // A flatline group is judged only on windows after it first logged, not on the silence before.
    const next = this.rule.kind === 'flatline' ? Math.max(open, firstBucket + this.rule.window) : open;
    return { rule_id: this.rule.id, group_key: groupKey, group, buckets: [], next_eval_end: next, firing_since: null, notifications: 0, last_notified_end: 0 };
  }

  /**
   * Adds partial counts. Buckets that only belong to already-evaluated windows are late:
   * returned as a count, not added. Returns the early FIRING event, if any.
   */
  addBuckets(state: RuleState, buckets: readonly RuleBucket[]): { events: AlertEvent[]; lateRecords: number } {
    const oldestUsable = state.next_eval_end - this.rule.window;
    let lateRecords = 0;
    for (const b of buckets) {
      if (b.start < oldestUsable) {
        lateRecords += this.rule.kind === 'ratio' ? b.total : b.matched;
        continue;
      }
      const existing = state.buckets.find((x) => x.start === b.start);
      if (existing === undefined) state.buckets.push({ start: b.start, matched: b.matched, total: b.total, samples: b.samples.slice(0, this.settings.maxSamples) });
      else {
        existing.matched += b.matched;
        existing.total += b.total;
        existing.samples = smallest([...existing.samples, ...b.samples], this.settings.maxSamples);
      }
    }
    state.buckets.sort((a, b) => a.start - b.start);
    const events: AlertEvent[] = [];
    if (this.rule.kind === 'frequency' && state.firing_since === null) {
      const end = state.next_eval_end;
      const w = this.window(state, end);
      if (w.matched >= this.rule.threshold) events.push(this.fire(state, end, w));
    }
    return { events, lateRecords };
  }

  /** Evaluates every window that closed (end <= closedUntil), in order. */
  advance(state: RuleState, closedUntil: number): AlertEvent[] {
    const { window: size, every } = this.rule;
    const open = firstOpenEnd(closedUntil, every);
    const events: AlertEvent[] = [];
    while (state.next_eval_end <= closedUntil) {
      const end = state.next_eval_end;
      const start = end - size;
      const later = state.buckets.find((b) => b.start >= start);
      if (later === undefined || later.start >= end) {
        // Nothing in this window nor until `later`: every window up to there has count 0.
        const skipTo = Math.min(later === undefined ? open : later.start + every, open);
        if (this.rule.kind === 'flatline') {
          if (state.firing_since === null) events.push(this.fire(state, end, this.window(state, end)));
          this.renotifyUntil(state, Math.min(skipTo - every, closedUntil), events);
          state.next_eval_end = Math.max(end + every, skipTo);
          continue;
        }
        if (state.firing_since !== null) events.push(this.resolve(state, end, this.window(state, end)));
        state.next_eval_end = Math.max(end + every, skipTo);
        continue;
      }
      const w = this.window(state, end);
      const holds = this.holds(w);
      if (holds && state.firing_since === null) events.push(this.fire(state, end, w));
      else if (!holds && state.firing_since !== null) events.push(this.resolve(state, end, w));
      else if (holds) this.renotifyUntil(state, end, events, w);
      state.next_eval_end = end + every;
    }
    // Counts that arrived while this window was not yet the earliest open one.
    if (this.rule.kind === 'frequency' && state.firing_since === null) {
      const w = this.window(state, state.next_eval_end);
      if (w.matched >= this.rule.threshold) events.push(this.fire(state, state.next_eval_end, w));
    }
    // Buckets no open window needs any more.
    const keepFrom = state.next_eval_end - size;
    if (state.buckets.length > 0 && state.buckets[0]!.start < keepFrom) state.buckets = state.buckets.filter((b) => b.start >= keepFrom);
    return events;
  }

  private holds(w: WindowCounts): boolean {
    switch (this.rule.kind) {
      case 'frequency':
        return w.matched >= this.rule.threshold;
      case 'flatline':
        return w.matched < this.rule.threshold;
      case 'ratio':
        return w.total >= this.rule.minRecords && w.matched / w.total > this.rule.threshold;
    }
  }

  private window(state: RuleState, end: number): WindowCounts {
    const start = end - this.rule.window;
    let matched = 0;
    let total = 0;
    let samples: string[] = [];
    for (const b of state.buckets) {
      if (b.start < start || b.start >= end) continue;
      matched += b.matched;
      total += b.total;
      samples = samples.concat(b.samples);
    }
    return { start, end, matched, total, samples: smallest(samples, this.settings.maxSamples) };
  }

  private fire(state: RuleState, end: number, w: WindowCounts): AlertEvent {
    state.firing_since = end - this.rule.window;
    state.notifications = 0;
    state.last_notified_end = end;
    return this.event(state, 'FIRING', w);
  }

  private resolve(state: RuleState, end: number, w: WindowCounts): AlertEvent {
    const event = this.event(state, 'RESOLVED', w);
    state.firing_since = null;
    state.notifications = 0;
    state.last_notified_end = end;
    return event;
  }

  /** Re-notifications of a firing alert at every `renotifyMs` of windows, up to window end `until`. */
  private renotifyUntil(state: RuleState, until: number, events: AlertEvent[], w?: WindowCounts): void {
    const { renotifyMs } = this.settings;
    if (renotifyMs <= 0) return;
    const every = this.rule.every;
    for (let end = Math.ceil((state.last_notified_end + renotifyMs) / every) * every; end <= until; end = Math.ceil((state.last_notified_end + renotifyMs) / every) * every) {
      state.last_notified_end = end;
      state.notifications++;
      events.push(this.event(state, 'FIRING', w !== undefined && w.end === end ? w : this.window(state, end)));
    }
  }

  private event(state: RuleState, status: AlertEvent['status'], w: WindowCounts): AlertEvent {
    const rule = this.rule;
    const value = rule.kind === 'ratio' ? (w.total === 0 ? 0 : w.matched / w.total) : w.matched;
    const group = state.group_key === '' ? '' : ` for ${state.group_key}`;
    const what = {
      frequency: `${w.matched} matching records in ${rule.window / 1000}s (threshold ${rule.threshold})`,
      ratio: `${(value * 100).toFixed(2)}% of ${w.total} records match (threshold ${(rule.threshold * 100).toFixed(2)}%)`,
      flatline: `${w.matched} records in ${rule.window / 1000}s (expected at least ${rule.threshold})`,
    }[rule.kind];
    return {
      alert_id: alertId(rule.id, state.group_key, state.firing_since as number),
      rule_id: rule.id,
      rule_name: rule.name,
      severity: rule.severity,
      status,
      kind: rule.kind,
      group_key: state.group_key,
      group: { ...state.group },
      window_start: w.start,
      window_end: w.end,
      count: w.matched,
      total: w.total,
      value,
      threshold: rule.threshold,
      notification: status === 'FIRING' ? state.notifications : 0,
      message: `${status === 'FIRING' ? '' : 'Resolved: '}${rule.name}${group}: ${what}`,
      sample_log_ids: w.samples,
    };
  }
}

interface WindowCounts {
  start: number;
  end: number;
  matched: number;
  total: number;
  samples: string[];
}

/** The n smallest ids: a choice that does not depend on arrival order. */
export function smallest(ids: readonly string[], n: number): string[] {
  return [...new Set(ids)].sort().slice(0, n);
}
