import { performance } from 'node:perf_hooks';

/** Wall-clock time in microseconds since the epoch, with sub-millisecond resolution. */
export function nowMicros(): number {
  return Math.floor((performance.timeOrigin + performance.now()) * 1000);
}
