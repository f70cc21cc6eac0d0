import type { AlertEvent, RuleBucket, RuleState } from '../../../../services/analyzer/alerts/alert-types';
import { alertId } from '../../../../services/analyzer/alerts/alert-id';
import { RuleEvaluator } from '../../../../services/analyzer/alerts/rule-evaluator';
import { parseRules } from '../../../../services/analyzer/rules/load-rules';
import { MIN, T0 } from '../../../harness/enriched-record-fixture';

function evaluator(over: Record<string, unknown>, renotifyMs = 0): RuleEvaluator {
  const [compiled] = parseRules({ rules: [{ id: 'r', name: 'R', severity: 'error', kind: 'frequency', threshold: 5, window: '5m', every: '1m', ...over }] });
  return new RuleEvaluator(compiled!.rule, { renotifyMs, maxSamples: 3 });
}

const bucket = (minute: number, matched: number, total = matched): RuleBucket => ({
  start: T0 + minute * MIN,
  matched,
  total,
  samples: Array.from({ length: matched }, (_, i) => `id-${minute}-${i}`),
});

/** Feeds buckets then closes windows up to `closeAtMinute`, collecting every event. */
function run(e: RuleEvaluator, steps: Array<{ buckets?: RuleBucket[]; closeAtMinute?: number }>, initialClosed = T0 - MIN): { events: AlertEvent[]; state: RuleState; late: number } {
  let state: RuleState | undefined;
  const events: AlertEvent[] = [];
  let late = 0;
  for (const step of steps) {
    if (step.buckets !== undefined) {
      state ??= e.newState('', {}, initialClosed, step.buckets[0]!.start);
      const r = e.addBuckets(state, step.buckets);
      events.push(...r.events);
      late += r.lateRecords;
    }
    if (step.closeAtMinute !== undefined && state !== undefined) events.push(...e.advance(state, T0 + step.closeAtMinute * MIN));
  }
  return { events, state: state as RuleState, late };
}

const brief = (events: AlertEvent[]) => events.map((e) => `${e.status}@${(e.window_start - T0) / MIN}-${(e.window_end - T0) / MIN}#${e.notification}`);

describe('frequency rules', () => {
  it('fire as soon as the earliest open window crosses the threshold, before it closes', () => {
    const e = evaluator({});
    const { events } = run(e, [{ buckets: [bucket(0, 3)] }, { buckets: [bucket(0, 2)] }], T0 + 30_000);
    // Closed until +30s: window [-4m, +1m) is the earliest open one, and now holds 5.
    expect(brief(events)).toEqual(['FIRING@-4-1#0']);
    expect(events[0]).toMatchObject({ alert_id: alertId('r', '', T0 - 4 * MIN), count: 5, threshold: 5, rule_id: 'r', severity: 'error', sample_log_ids: ['id-0-0', 'id-0-1', 'id-0-2'] });
  });

  it('stay silent while firing, then resolve at the first window below the threshold, with the same id', () => {
    const e = evaluator({});
    const { events } = run(e, [{ buckets: [bucket(0, 5)] }, { closeAtMinute: 1 }, { buckets: [bucket(2, 5)] }, { closeAtMinute: 12 }]);
    // Windows ending 1..7 hold >= 5 (minutes 0 and 2), the window ending at 8 ([3, 8)) holds 0.
    expect(brief(events)).toEqual(['FIRING@-4-1#0', 'RESOLVED@3-8#0']);
    expect(events[1]?.alert_id).toBe(events[0]?.alert_id);
  });

  it('re-notify at the configured interval of event time while still firing', () => {
    const e = evaluator({}, 3 * MIN);
    const buckets = Array.from({ length: 10 }, (_, m) => bucket(m, 5));
    const { events } = run(e, [{ buckets }, { closeAtMinute: 20 }]);
    expect(brief(events)).toEqual(['FIRING@-4-1#0', 'FIRING@-1-4#1', 'FIRING@2-7#2', 'FIRING@5-10#3', 'FIRING@8-13#4', 'RESOLVED@10-15#0']);
    expect(new Set(events.map((x) => x.alert_id)).size).toBe(1);
  });

  it('give the same events whatever order the buckets arrive in', () => {
    const buckets = [bucket(0, 2), bucket(1, 1), bucket(3, 2), bucket(9, 4), bucket(10, 1), bucket(20, 6)];
    const inOrder = run(evaluator({}), [...buckets.map((b) => ({ buckets: [b] })), { closeAtMinute: 40 }]).events;
    const reversed = run(evaluator({}), [...[...buckets].reverse().map((b) => ({ buckets: [b] })), { closeAtMinute: 40 }]).events;
    const idsAndStatus = (list: AlertEvent[]) => list.map((x) => `${x.alert_id}:${x.status}`);
    expect(idsAndStatus(reversed)).toEqual(idsAndStatus(inOrder));
    // [-1, 4) holds 2+1+2 = 5, [0, 5) still 5, [1, 6) only 3.
    expect(brief(inOrder)).toEqual(['FIRING@-1-4#0', 'RESOLVED@1-6#0', 'FIRING@6-11#0', 'RESOLVED@10-15#0', 'FIRING@16-21#0', 'RESOLVED@21-26#0']);
  });

  it('count buckets that only closed windows could use as late, and leave the alerts alone', () => {
    const e = evaluator({});
    const { events, late } = run(e, [{ buckets: [bucket(10, 1)] }, { closeAtMinute: 20 }, { buckets: [bucket(12, 7)] }, { closeAtMinute: 30 }]);
    expect(late).toBe(7);
    expect(events).toEqual([]);
  });
});

describe('ratio rules', () => {
  it('fire when matches / all records in the window exceed the fraction, and only with enough records', () => {
    const e = evaluator({ kind: 'ratio', threshold: 0.1, minRecords: 20 });
    const { events } = run(e, [{ buckets: [bucket(0, 1, 10)] }, { closeAtMinute: 1 }, { buckets: [bucket(1, 2, 10)] }, { closeAtMinute: 2 }, { buckets: [bucket(6, 0, 100)] }, { closeAtMinute: 7 }]);
    // Ending 1: 1/10, under 20 records -> no. Ending 2: 3/20 = 15% -> FIRING; still 3/20 up to [0, 5).
    // [1, 6): 2/10, under 20 records -> no longer holds -> RESOLVED.
    expect(brief(events)).toEqual(['FIRING@-3-2#0', 'RESOLVED@1-6#0']);
    expect(events[0]).toMatchObject({ count: 3, total: 20, value: 0.15, kind: 'ratio' });
    expect(events[0]?.message).toMatch(/15\.00% of 20 records match/);
  });
});

describe('flatline rules', () => {
  it('fire when a group that logged goes quiet for a window, and resolve when it logs again', () => {
    const e = evaluator({ kind: 'flatline', threshold: 1, groupBy: ['node_id'] });
    const state = e.newState('node_id=n1', { node_id: 'n1' }, T0 - MIN, T0);
    const events = [...e.addBuckets(state, [bucket(0, 3)]).events, ...e.advance(state, T0 + 12 * MIN)];
    events.push(...e.addBuckets(state, [bucket(14, 2)]).events, ...e.advance(state, T0 + 15 * MIN));
    // First judged window is [0, 5) (not the silence before the node's first record); [1, 6) is empty.
    expect(brief(events)).toEqual(['FIRING@1-6#0', 'RESOLVED@10-15#0']);
    expect(events[0]).toMatchObject({ group_key: 'node_id=n1', group: { node_id: 'n1' }, severity: 'error', count: 0 });
  });
});
