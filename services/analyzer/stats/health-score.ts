/**
 * max(0, 100 - (error_fraction * 50 + warning_fraction * 25)), rounded to 2 decimals.
 * An empty group is healthy (100): nothing it logged says otherwise.
 */
export function healthScore(total: number, errors: number, warnings: number): number {
  if (total === 0) return 100;
  const score = 100 - ((errors / total) * 50 + (warnings / total) * 25);
  return round(Math.max(0, score), 2);
}

export function round(value: number, decimals: number): number {
  const f = 10 ** decimals;
  return Math.round(value * f) / f;
}
