import { DDSketch } from '@datadog/sketches-js';
import type { MetricAggregate, PerformanceStats } from './summary-types';
import { round } from './health-score';

/**
 * Relative accuracy of the percentiles: a reported p95 is within 1% of a value that is
 * truly at the 95th percentile. DDSketch buckets are exact counts, so partial sketches
 * merged in any order (1 instance or 10) give bit-identical percentiles.
 */
export const SKETCH_RELATIVE_ACCURACY = 0.01;

/** Collects one metric's values; exact count/sum/min/max beside the sketch. */
export class MetricAccumulator {
  private sketch = new DDSketch({ relativeAccuracy: SKETCH_RELATIVE_ACCURACY });
  private count = 0;
  private sumMilli = 0;
  private min = Infinity;
  private max = -Infinity;

  add(value: number): void {
    if (!Number.isFinite(value)) return;
    this.sketch.accept(value);
    this.count++;
    this.sumMilli += Math.round(value * 1000);
    if (value < this.min) this.min = value;
    if (value > this.max) this.max = value;
  }

  merge(other: MetricAggregate): void {
    if (other.count === 0) return;
    this.sketch.merge(DDSketch.fromProto(other.sketch));
    this.count += other.count;
    this.sumMilli += other.sum_milli;
    this.min = Math.min(this.min, other.min);
    this.max = Math.max(this.max, other.max);
  }

  toAggregate(): MetricAggregate {
    return { count: this.count, sum_milli: this.sumMilli, min: this.min, max: this.max, sketch: Buffer.from(this.sketch.toProto()) };
  }

  static from(aggregate: MetricAggregate): MetricAccumulator {
    const m = new MetricAccumulator();
    m.merge(aggregate);
    return m;
  }

  stats(metric: string): PerformanceStats {
    if (this.count === 0) return { metric, count: 0, avg: null, min: null, max: null, median: null, p95: null, p99: null };
    const q = (p: number) => round(this.sketch.getValueAtQuantile(p), 3);
    return { metric, count: this.count, avg: round(this.sumMilli / 1000 / this.count, 3), min: this.min, max: this.max, median: q(0.5), p95: q(0.95), p99: q(0.99) };
  }
}
