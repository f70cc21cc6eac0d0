/** Median and spread of one figure over the repetitions of a run. */
export interface Summary {
  readonly median: number;
  readonly min: number;
  readonly max: number;
  /** Every repetition's value, in the order they ran. */
  readonly samples: readonly number[];
}

export function median(values: readonly number[]): number {
  if (values.length === 0) throw new Error('median of no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

export function summarize(samples: readonly number[]): Summary {
  return { median: median(samples), min: Math.min(...samples), max: Math.max(...samples), samples: [...samples] };
}

/**
 * Ratio of two series measured in the same rounds: one ratio per round (both sides ran
 * back to back, under the same background load), then their median and spread.
 */
export function pairedRatio(ours: readonly number[], baseline: readonly number[]): Summary {
  if (ours.length !== baseline.length) throw new Error(`paired ratio of ${ours.length} and ${baseline.length} samples`);
  return summarize(ours.map((value, i) => value / (baseline[i] as number)));
}
