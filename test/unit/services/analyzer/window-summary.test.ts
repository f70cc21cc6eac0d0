import { healthScore } from '../../../../services/analyzer/stats/health-score';
import { SummaryBuilder } from '../../../../services/analyzer/stats/summary-aggregate';
import { rec, SEC, T0 } from '../../../harness/enriched-record-fixture';

describe('health score', () => {
  it('is 100 - (error_fraction * 50 + warning_fraction * 25), floored at 0', () => {
    // 20 records, 4 errors (0.2 -> 10 points), 5 warnings (0.25 -> 6.25 points): 83.75.
    expect(healthScore(20, 4, 5)).toBe(83.75);
    expect(healthScore(3, 1, 1)).toBe(75); // 100 - (16.667 + 8.333)
    expect(healthScore(10, 10, 0)).toBe(50);
    expect(healthScore(0, 0, 0)).toBe(100);
  });
});

describe('window summary', () => {
  const records = [
    rec(0, { level: 'ERROR', component: 'database', error_type: 'timeout', latency_ms: 10 }),
    rec(1 * SEC, { level: 'CRITICAL', component: 'database', error_type: 'timeout', latency_ms: 20 }),
    rec(2 * SEC, { level: 'ERROR', component: 'storage', node_id: 'node-2', error_type: 'disk_failure', latency_ms: 30 }),
    rec(3 * SEC, { level: 'WARNING', component: 'storage', node_id: 'node-2', warning_type: 'disk_usage', latency_ms: 40 }),
    rec(4 * SEC, { level: 'INFO', component: 'api', latency_ms: 50, response_time_ms: 7.5 }),
    rec(5 * SEC, { level: 'DEBUG', component: 'api', throughput_ops: 1200 }),
    rec(6 * SEC, { level: 'INFO', component: 'network', node_id: 'node-3' }),
    rec(7 * SEC, { level: 'INFO', component: 'network', node_id: 'node-3' }),
  ];
  const build = (list: typeof records) => {
    const b = new SummaryBuilder(T0, T0 + 3_600_000);
    for (const r of list) b.add(r);
    return b;
  };

  it('computes totals, rates, types, top components, performance and health by hand', () => {
    const s = build(records).toSummary();
    expect(s).toMatchObject({ total: 8, errors: 3, error_rate_percent: 37.5, warnings: 1, warning_rate_percent: 12.5 });
    expect(s.error_types).toEqual([
      { name: 'timeout', count: 2 },
      { name: 'disk_failure', count: 1 },
    ]);
    expect(s.top_error_components).toEqual([
      { name: 'database', count: 2 },
      { name: 'storage', count: 1 },
    ]);
    expect(s.warning_types).toEqual([{ name: 'disk_usage', count: 1 }]);
    const latency = s.performance.find((p) => p.metric === 'latency_ms');
    expect(latency).toMatchObject({ count: 5, avg: 30, min: 10, max: 50 });
    // DDSketch at 1% relative accuracy: the median of 10..50 is 30 within 1%.
    expect(Math.abs((latency?.median as number) - 30) / 30).toBeLessThanOrEqual(0.01);
    // Percentiles are the value at rank floor(q * (n - 1)) (DDSketch's lower rank): p99 of five values is the fourth.
    expect(Math.abs((latency?.p99 as number) - 40) / 40).toBeLessThanOrEqual(0.01);
    expect(s.performance.find((p) => p.metric === 'throughput_ops')).toMatchObject({ count: 1, min: 1200, max: 1200 });
    expect(s.components).toEqual([
      { component: 'api', total: 2, errors: 0, warnings: 0, info: 2, health_score: 100 },
      { component: 'database', total: 2, errors: 2, warnings: 0, info: 0, health_score: 50 },
      { component: 'network', total: 2, errors: 0, warnings: 0, info: 2, health_score: 100 },
      { component: 'storage', total: 2, errors: 1, warnings: 1, info: 0, health_score: 62.5 },
    ]);
    expect(s.nodes).toEqual([
      { node_id: 'node-1', total: 4, errors: 2, warnings: 0, components: 2, health_score: 75 },
      { node_id: 'node-2', total: 2, errors: 1, warnings: 1, components: 1, health_score: 62.5 },
      { node_id: 'node-3', total: 2, errors: 0, warnings: 0, components: 1, health_score: 100 },
    ]);
  });

  it('gives the same summary, percentiles included, however the records are split and merged', () => {
    const many = Array.from({ length: 500 }, (_, i) => rec(i * 10, { level: i % 7 === 0 ? 'ERROR' : 'INFO', latency_ms: ((i * 7919) % 1000) + 0.125, component: `c${i % 9}` }));
    const whole = build(many).toSummary();
    const parts = [many.slice(0, 123), many.slice(123, 350), many.slice(350)];
    const merged = new SummaryBuilder(T0, T0 + 3_600_000);
    for (const part of parts.reverse()) merged.merge(SummaryBuilder.from(build(part).toAggregate()).toAggregate());
    expect(merged.toSummary()).toEqual(whole);
  });
});
