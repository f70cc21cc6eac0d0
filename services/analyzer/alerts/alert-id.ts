import crypto from 'node:crypto';

/**
 * The same rule, group and first firing window give the same id on every run, instance
 * count and replay: the id is a hash of exactly these, nothing from the clock or the host.
 */
export function alertId(ruleId: string, groupKey: string, firingWindowStart: number): string {
  return crypto.createHash('sha256').update(`${ruleId}\u0000${groupKey}\u0000${firingWindowStart}`).digest('hex').slice(0, 32);
}
