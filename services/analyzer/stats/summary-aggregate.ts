import type { EnrichedRecord } from '../../enricher/enriched-record';
import { healthScore, round } from './health-score';
import { MetricAccumulator } from './metric-sketch';
import type { LevelCounts, NamedCount, SummaryAggregate, WindowSummary } from './summary-types';

/** The performance figures the enricher parses from messages, in report order. */
export const PERFORMANCE_METRICS = ['latency_ms', 'response_time_ms', 'throughput_ops'] as const;

const emptyCounts = (): LevelCounts => ({ total: 0, errors: 0, warnings: 0, info: 0 });

function addLevel(c: LevelCounts, level: EnrichedRecord['level']): void {
  c.total++;
  if (level === 'ERROR' || level === 'CRITICAL') c.errors++;
  else if (level === 'WARNING') c.warnings++;
  else c.info++; // INFO and DEBUG
}

function addCounts(into: LevelCounts, from: LevelCounts): void {
  into.total += from.total;
  into.errors += from.errors;
  into.warnings += from.warnings;
  into.info += from.info;
}

/**
 * Statistics of one tumbling window, built from records or by merging partial aggregates.
 * Every part merges exactly (counts add, component sets unite, sketches add bucket counts),
 * so the finished summary does not depend on how records were split between instances.
 */
export class SummaryBuilder {
  private readonly counts = emptyCounts();
  private readonly errorTypes = new Map<string, number>();
  private readonly warningTypes = new Map<string, number>();
  private readonly components = new Map<string, LevelCounts>();
  private readonly nodes = new Map<string, { counts: LevelCounts; components: Set<string> }>();
  private readonly metrics = new Map<string, MetricAccumulator>();

  constructor(
    readonly windowStart: number,
    readonly windowEnd: number,
  ) {}

  get total(): number {
    return this.counts.total;
  }

  add(r: EnrichedRecord): void {
    addLevel(this.counts, r.level);
    let component = this.components.get(r.component);
    if (component === undefined) this.components.set(r.component, (component = emptyCounts()));
    addLevel(component, r.level);
    let node = this.nodes.get(r.node_id);
    if (node === undefined) this.nodes.set(r.node_id, (node = { counts: emptyCounts(), components: new Set() }));
    addLevel(node.counts, r.level);
    node.components.add(r.component);
    if (r.error_type !== null && (r.level === 'ERROR' || r.level === 'CRITICAL')) this.errorTypes.set(r.error_type, (this.errorTypes.get(r.error_type) ?? 0) + 1);
    if (r.warning_type !== null && r.level === 'WARNING') this.warningTypes.set(r.warning_type, (this.warningTypes.get(r.warning_type) ?? 0) + 1);
    for (const metric of PERFORMANCE_METRICS) {
      const value = r[metric];
      if (value !== null) this.metric(metric).add(value);
    }
  }

  merge(a: SummaryAggregate): void {
    addCounts(this.counts, a.counts);
    for (const [k, v] of Object.entries(a.error_types)) this.errorTypes.set(k, (this.errorTypes.get(k) ?? 0) + v);
    for (const [k, v] of Object.entries(a.warning_types)) this.warningTypes.set(k, (this.warningTypes.get(k) ?? 0) + v);
    for (const [k, v] of Object.entries(a.components)) {
      const c = this.components.get(k);
      if (c === undefined) this.components.set(k, { ...v });
      else addCounts(c, v);
    }
    for (const [k, v] of Object.entries(a.nodes)) {
      const n = this.nodes.get(k);
      if (n === undefined) this.nodes.set(k, { counts: { ...v.counts }, components: new Set(v.components) });
      else {
        addCounts(n.counts, v.counts);
        for (const c of v.components) n.components.add(c);
      }
    }
    for (const [k, v] of Object.entries(a.metrics)) this.metric(k).merge(v);
  }

  /** The partial as the partials and state topics carry it. */
  toAggregate(): SummaryAggregate {
    const sorted = <V, R>(m: Map<string, V>, f: (v: V) => R): Record<string, R> => Object.fromEntries([...m.keys()].sort().map((k) => [k, f(m.get(k) as V)]));
    return {
      window_start: this.windowStart,
      window_end: this.windowEnd,
      counts: { ...this.counts },
      error_types: sorted(this.errorTypes, (v) => v),
      warning_types: sorted(this.warningTypes, (v) => v),
      components: sorted(this.components, (v) => ({ ...v })),
      nodes: sorted(this.nodes, (v) => ({ counts: { ...v.counts }, components: [...v.components].sort() })),
      metrics: sorted(this.metrics, (v) => v.toAggregate()),
    };
  }

  static from(a: SummaryAggregate): SummaryBuilder {
    const b = new SummaryBuilder(a.window_start, a.window_end);
    b.merge(a);
    return b;
  }

  /** The finished statistics for logs.summaries. */
  toSummary(): WindowSummary {
    const { total, errors, warnings } = this.counts;
    const rate = (n: number) => (total === 0 ? 0 : round((n / total) * 100, 2));
    const byCount = (m: Map<string, number>): NamedCount[] =>
      [...m].filter(([, count]) => count > 0).map(([name, count]) => ({ name, count })).sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : 1));
    const componentsBy = (pick: (c: LevelCounts) => number) => byCount(new Map([...this.components].map(([k, c]) => [k, pick(c)]))).slice(0, 5);
    return {
      window_start: this.windowStart,
      window_end: this.windowEnd,
      total,
      errors,
      error_rate_percent: rate(errors),
      error_types: byCount(this.errorTypes),
      top_error_components: componentsBy((c) => c.errors),
      warnings,
      warning_rate_percent: rate(warnings),
      warning_types: byCount(this.warningTypes),
      top_warning_components: componentsBy((c) => c.warnings),
      performance: PERFORMANCE_METRICS.map((m) => (this.metrics.get(m) ?? new MetricAccumulator()).stats(m)),
      components: [...this.components.keys()].sort().map((component) => {
        const c = this.components.get(component) as LevelCounts;
        return { component, total: c.total, errors: c.errors, warnings: c.warnings, info: c.info, health_score: healthScore(c.total, c.errors, c.warnings) };
      }),
      nodes: [...this.nodes.keys()].sort().map((node_id) => {
        const n = this.nodes.get(node_id) as { counts: LevelCounts; components: Set<string> };
        return { node_id, total: n.counts.total, errors: n.counts.errors, warnings: n.counts.warnings, components: n.components.size, health_score: healthScore(n.counts.total, n.counts.errors, n.counts.warnings) };
      }),
    };
  }

  private metric(name: string): MetricAccumulator {
    let m = this.metrics.get(name);
    if (m === undefined) this.metrics.set(name, (m = new MetricAccumulator()));
    return m;
  }
}
