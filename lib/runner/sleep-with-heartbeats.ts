import { setTimeout as sleep } from 'node:timers/promises';

/** kafkajs's default heartbeat interval: a tenth of the default 30 s session. */
const HEARTBEAT_EVERY_MS = 3_000;

/**
 * A back-off pause inside a batch that keeps the consumer's session alive. A retry back-off
 * grows to 30 s, as long as the default session: one silent pause got the member removed
 * from its group, and the rebalance that followed held every partition back.
 */
export async function sleepWithHeartbeats(ms: number, heartbeat: () => Promise<void>, everyMs = HEARTBEAT_EVERY_MS): Promise<void> {
  const until = Date.now() + ms;
  for (let left = ms; left > 0; left = until - Date.now()) {
    await sleep(Math.min(left, everyMs));
    await heartbeat();
  }
}
