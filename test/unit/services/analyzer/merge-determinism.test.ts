import { aggregateBatch } from '../../../../services/analyzer/aggregate/partial-aggregator';
import { RuleEvaluator } from '../../../../services/analyzer/alerts/rule-evaluator';
import { MergePartitionState } from '../../../../services/analyzer/merge/merge-partition-state';
import type { AnalyzerPartial } from '../../../../services/analyzer/merge/state-types';
import { parseRules } from '../../../../services/analyzer/rules/load-rules';
import type { EnrichedRecord } from '../../../../services/enricher/enriched-record';
import { MIN, rec, SEC } from '../../../harness/enriched-record-fixture';

const rules = parseRules({
  rules: [
    { id: 'errors', name: 'Errors', severity: 'error', kind: 'frequency', match: { levels: ['ERROR', 'CRITICAL'] }, threshold: 5, window: '5m', every: '1m' },
    { id: 'node-errors', name: 'Node errors', severity: 'warning', kind: 'frequency', match: { levels: ['ERROR'] }, threshold: 3, window: '2m', every: '1m', groupBy: ['node_id'] },
    { id: 'error-rate', name: 'Error rate', severity: 'critical', kind: 'ratio', match: { levels: ['ERROR', 'CRITICAL'] }, threshold: 0.2, window: '3m', every: '1m', minRecords: 10 },
  ],
});
const settings = { summaryWindowMs: 10 * MIN, allowedLatenessMs: 5 * SEC, maxSamples: 3 };

/** A seeded stream of 6 nodes over 40 minutes with error bursts at known times. */
function stream(): EnrichedRecord[] {
  let seed = 7;
  const random = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const out: EnrichedRecord[] = [];
  for (let t = 0; t < 40 * MIN; t += 2 * SEC) {
    const node = `node-${Math.floor(random() * 6)}`;
    const burst = (t >= 7 * MIN && t < 9 * MIN) || (t >= 25 * MIN && t < 26 * MIN && node === 'node-2');
    const level = burst ? 'ERROR' : random() < 0.01 ? 'ERROR' : random() < 0.1 ? 'WARNING' : 'INFO';
    out.push(rec(t, { node_id: node, level, component: ['api', 'storage', 'db'][Math.floor(random() * 3)] as string, latency_ms: Math.floor(random() * 500) }, `id-${String(t).padStart(9, '0')}`));
  }
  return out;
}

const hash = (key: string) => [...key].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, 7);

/**
 * Runs both stages in memory: records are split by node over `sources` input partitions, cut
 * into batches of `batchSize`, and the merge partitions receive the partials of the source
 * partitions interleaved in a shuffled (seeded) order, per-source order kept, as Kafka would.
 */
function simulate(sources: number, mergePartitions: number, batchSize: number, shuffleSeed: number) {
  const evaluators = new Map(rules.map((r) => [r.rule.id, new RuleEvaluator(r.rule, { renotifyMs: 0, maxSamples: 3 })]));
  const merges = Array.from({ length: mergePartitions }, () => new MergePartitionState(evaluators, settings.allowedLatenessMs));
  const bySource = Array.from({ length: sources }, () => [] as EnrichedRecord[]);
  for (const r of stream()) bySource[hash(r.node_id) % sources]!.push(r);
  // Each source partition's outputs, batch by batch, as lists of [mergePartition, partial].
  const queues = bySource.map((records, source) => {
    const out: Array<Array<[number, AnalyzerPartial]>> = [];
    let watermark = -1;
    for (let i = 0; i < records.length; i += batchSize) {
      const agg = aggregateBatch(records.slice(i, i + batchSize), rules, watermark, settings);
      watermark = agg.watermark;
      const batch: Array<[number, AnalyzerPartial]> = [];
      for (const rule of agg.rules) batch.push([hash(`rule|${rule.rule_id}|${rule.group_key}`) % mergePartitions, { rule, summary: null, watermark: null }]);
      for (const summary of agg.summaries) batch.push([hash(`summary|${summary.window_start}`) % mergePartitions, { rule: null, summary, watermark: null }]);
      for (let q = 0; q < mergePartitions; q++) batch.push([q, { rule: null, summary: null, watermark: { source_partition: source, source_partitions: sources, event_time: watermark, idle: false } }]);
      out.push(batch);
    }
    out.push(Array.from({ length: mergePartitions }, (_, q): [number, AnalyzerPartial] => [q, { rule: null, summary: null, watermark: { source_partition: source, source_partitions: sources, event_time: watermark, idle: true } }]));
    return out;
  });
  let seed = shuffleSeed;
  const alerts: string[] = [];
  const summaries: unknown[] = [];
  while (queues.some((q) => q.length > 0)) {
    const ready = queues.filter((q) => q.length > 0);
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    const batch = ready[seed % ready.length]!.shift()!;
    for (const [q, partial] of batch) {
      const out = merges[q]!.apply(partial);
      alerts.push(...out.alerts.map((a) => `${a.rule_id}|${a.group_key}|${a.alert_id}|${a.status}|${a.window_start}`));
      summaries.push(...out.summaries);
    }
  }
  return { alerts: alerts.sort(), summaries: summaries.sort((a, b) => (a as { window_start: number }).window_start - (b as { window_start: number }).window_start) };
}

describe('two-stage analysis', () => {
  const reference = simulate(1, 1, 1_000, 1);

  it('finds the error bursts it was given', () => {
    const firing = reference.alerts.filter((a) => a.includes('|FIRING|'));
    expect(firing.filter((a) => a.startsWith('errors|'))).toHaveLength(2); // 7-9 min and the node-2 burst at 25 min
    expect(firing.some((a) => a.startsWith('node-errors|node_id=node-2|'))).toBe(true);
    expect(firing.some((a) => a.startsWith('error-rate|'))).toBe(true);
    expect(reference.alerts.filter((a) => a.includes('|RESOLVED|'))).toHaveLength(firing.length);
    // 40 minutes in 10-minute windows: the last stays open until event time passes its end.
    expect(reference.summaries).toHaveLength(3);
    expect((reference.summaries as Array<{ total: number }>).reduce((n, s) => n + s.total, 0)).toBe(stream().filter((r) => r.timestamp < (stream()[0]!.timestamp + 30 * MIN * 1000)).length);
  });

  it.each([
    [3, 3, 50, 11],
    [3, 2, 7, 5],
    [6, 4, 200, 99],
    [2, 1, 1, 3],
  ])('gives the same alert ids, statuses and summaries with %i input partitions, %i merge partitions, batches of %i (shuffle %i)', (sources, mergePartitions, batchSize, shuffle) => {
    const result = simulate(sources, mergePartitions, batchSize, shuffle);
    expect(result.alerts).toEqual(reference.alerts);
    expect(result.summaries).toEqual(reference.summaries);
  });
});

describe('merge watermarks', () => {
  const evaluators = new Map(rules.map((r) => [r.rule.id, new RuleEvaluator(r.rule, { renotifyMs: 0, maxSamples: 3 })]));
  const wm = (source: number, eventTime: number, idle = false): AnalyzerPartial => ({ rule: null, summary: null, watermark: { source_partition: source, source_partitions: 2, event_time: eventTime, idle } });

  it('close nothing until every input partition reported, then follow the slowest; idle ones stop counting', () => {
    const state = new MergePartitionState(evaluators, 1_000);
    const agg = aggregateBatch([rec(0), rec(1 * SEC)], rules, -1, settings);
    state.apply({ rule: null, summary: agg.summaries[0]!, watermark: null });
    const t = agg.summaries[0]!.window_start;
    expect(state.apply(wm(0, t + 20 * MIN)).summaries).toEqual([]);
    expect(state.closedUntil).toBe(0);
    expect(state.apply(wm(1, t + 5 * MIN)).summaries).toEqual([]);
    expect(state.closedUntil).toBe(t + 5 * MIN - 1_000);
    const closed = state.apply(wm(1, t + 5 * MIN, true));
    expect(closed.summaries.map((s) => s.total)).toEqual([2]);
    expect(state.closedUntil).toBe(t + 20 * MIN - 1_000);
    // A partial for the closed window is late: counted, not merged.
    expect(state.apply({ rule: null, summary: agg.summaries[0]!, watermark: null }).lateRecords).toBe(2);
  });

  // Regression (analyzer kill -9 test: 400 of 1,800 records counted late): partitions announced
  // idle before a stop kept the flag while records piled up; the first partition processed after
  // the restart closed the windows those records belong to.
  it('holds windows again for an idle partition marked active (unread records), even before its time is known', () => {
    const state = new MergePartitionState(evaluators, 1_000);
    const early = aggregateBatch([rec(0), rec(1 * SEC)], rules, -1, settings);
    const t = early.summaries[0]!.window_start;
    state.apply({ rule: null, summary: early.summaries[0]!, watermark: null });
    state.apply(wm(0, t + 1 * SEC, true));
    state.apply(wm(1, t + 1 * SEC, true));
    // Partition 1 has unread records again: marked active at its last time, then partition 0 races ahead.
    state.apply(wm(1, -1));
    expect(state.apply(wm(0, t + 30 * MIN)).summaries).toEqual([]);
    expect(state.closedUntil).toBe(t + 1 * SEC - 1_000);
    // Partition 1's records arrive, for the still open window: added, not late.
    const late = aggregateBatch([rec(2 * SEC), rec(3 * SEC)], rules, -1, settings);
    expect(state.apply({ rule: null, summary: late.summaries[0]!, watermark: null }).lateRecords).toBe(0);
    expect(state.apply(wm(1, t + 30 * MIN)).summaries.map((s) => s.total)).toEqual([4]);
  });

  it('closes nothing while an active partition has no event time yet', () => {
    const state = new MergePartitionState(evaluators, 1_000);
    state.apply(wm(0, 10 * MIN));
    state.apply(wm(1, -1));
    expect(state.closedUntil).toBe(0);
    state.apply(wm(1, 5 * MIN));
    expect(state.closedUntil).toBe(5 * MIN - 1_000);
  });

  it('restores from its own changelog writes to the same state', () => {
    const state = new MergePartitionState(evaluators, 1_000);
    const agg = aggregateBatch([rec(0, { level: 'ERROR' }), rec(SEC, { level: 'ERROR' })], rules, -1, settings);
    for (const rule of agg.rules) state.apply({ rule, summary: null, watermark: null });
    state.apply({ rule: null, summary: agg.summaries[0]!, watermark: null });
    state.apply(wm(0, 10));
    const restored = new MergePartitionState(evaluators, 1_000);
    for (const change of state.takeChanges()) restored.restore(change.key, change.state);
    expect(restored.takeChanges()).toEqual([]);
    const more = aggregateBatch([rec(2 * SEC, { level: 'ERROR' })], rules, -1, settings);
    const apply = (s: MergePartitionState) => [...more.rules.map((rule) => s.apply({ rule, summary: null, watermark: null })), s.apply(wm(1, 30 * MIN, true)), s.apply(wm(0, 30 * MIN, true))];
    expect(JSON.stringify(apply(restored))).toBe(JSON.stringify(apply(state)));
  });
});
