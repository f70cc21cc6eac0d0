import type { Registry } from 'prom-client';

/** One sample of a prom-client metric, as `metric.get()` returns it. */
export interface MetricValue {
  readonly value: number;
  readonly labels: Readonly<Record<string, string | number | undefined>>;
  readonly metricName?: string;
}

/** The samples of a metric of an in-process service's registry (none when it was never created). */
export async function metricValues(registry: Registry, name: string): Promise<readonly MetricValue[]> {
  const metric = registry.getSingleMetric(name);
  if (metric === undefined) return [];
  return (await metric.get()).values as readonly MetricValue[];
}

/** The upper bound of the bucket holding the median of a prom-client histogram (cumulative buckets). */
export function bucketMedian(values: readonly MetricValue[], bucketName: string): number {
  const buckets = values
    .filter((v) => v.metricName === bucketName && v.labels.le !== '+Inf')
    .map((v) => ({ le: Number(v.labels.le), count: v.value }))
    .sort((a, b) => a.le - b.le);
  const total = values.filter((v) => v.metricName === bucketName && v.labels.le === '+Inf').reduce((s, v) => s + v.value, 0);
  if (total === 0) return Number.NaN;
  return buckets.find((b) => b.count >= total / 2)?.le ?? Number.POSITIVE_INFINITY;
}
