import { setTimeout as sleep } from 'node:timers/promises';

export interface WaitOptions {
  readonly timeoutMs: number;
  readonly intervalMs?: number;
  /** Checked between attempts: a dead process will never become healthy. */
  readonly stillWorthWaiting?: () => boolean;
}

/** Polls `check` until it resolves true; returns false on timeout or when waiting is pointless. */
export async function waitUntil(check: () => Promise<boolean>, options: WaitOptions): Promise<boolean> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return true;
    if (options.stillWorthWaiting && !options.stillWorthWaiting()) return false;
    if (Date.now() >= deadline) return false;
    await sleep(options.intervalMs ?? 250);
  }
}
