import { setTimeout as sleep } from 'node:timers/promises';
import { ChaosPipeline } from '../harness/chaos-pipeline';
import { localStack as stack, managedByLocalStack as managed } from '../harness/local-stack-servers';

/** Reconciles every record, adds the scenario's row to the chaos table, and expects a clean result. */
async function reconcileAndReport(pipeline: ChaosPipeline, scenario: string, recovery: () => string): Promise<void> {
  const r = await pipeline.reconcile();
  pipeline.report(scenario, r, recovery());
  expect(r.exitCodes).toEqual([0, 0, 0, 0]);
  expect({ lost: r.lost, duplicated: r.duplicated }).toEqual({ lost: 0, duplicated: 0 });
}

describe('chaos: servers go away while logs arrive', () => {
  afterAll(() => stack.up(['kafka', 'elasticsearch', 'loki'])); // never leave a shared server down

  const outage = (server: 'elasticsearch' | 'loki', label: string, sink: 'sink-es' | 'sink-loki') =>
    (managed(server) ? it : it.skip)(`${label} stopped for 60 s: the sink waits, then delivers everything once`, async () => {
      const pipeline = new ChaosPipeline();
      try {
        await pipeline.create();
        pipeline.startAll();
        const load = pipeline.load(40_000, 1_000);
        await sleep(5_000);
        await stack.down([server]);
        const down = Date.now();
        while (Date.now() - down < 60_000) {
          await sleep(5_000);
          pipeline.notePeak(sink, pipeline.running.get(sink)?.pid);
        }
        await stack.up([server]);
        const back = Date.now();
        await load;
        await reconcileAndReport(pipeline, `${label} stopped 60 s`, () => `all delivered ${((Date.now() - back) / 1000).toFixed(0)} s after the restart (incl. reconciliation)`);
      } finally {
        await stack.up([server]);
        await pipeline.cleanup();
      }
    }, 600_000);

  outage('elasticsearch', 'Elasticsearch', 'sink-es');
  outage('loki', 'Loki', 'sink-loki');

  (managed('kafka') ? it : it.skip)('the Kafka broker freezes for 35 s (a long pause): its leaders and coordinators move away and back, nothing is lost or doubled', async () => {
    const pipeline = new ChaosPipeline();
    const pid = stack.server('kafka').process.pid() as number;
    try {
      await pipeline.create();
      pipeline.startAll();
      const load = pipeline.load(30_000, 1_000);
      await sleep(8_000);
      // A stopped JVM misses its heartbeats to its own controller: on waking up past the broker's
      // session (30 s here) the controller fences the broker (every partition leaderless, every
      // coordinator unloaded), then takes it back; the clients' requests meanwhile time out (30 s).
      process.kill(pid, 'SIGSTOP');
      await sleep(35_000);
      process.kill(pid, 'SIGCONT');
      const back = Date.now();
      await load;
      await reconcileAndReport(pipeline, 'Kafka broker frozen 35 s', () => `all delivered ${((Date.now() - back) / 1000).toFixed(0)} s after it resumed (incl. reconciliation)`);
    } finally {
      try {
        process.kill(pid, 'SIGCONT');
      } catch {
        // already running or gone: the afterAll's `up` restarts it if needed
      }
      await pipeline.cleanup();
    }
  }, 600_000);

  (managed('kafka') ? it : it.skip)('the Kafka broker restarts: every service reconnects and nothing is lost or doubled', async () => {
    const pipeline = new ChaosPipeline();
    try {
      await pipeline.create();
      pipeline.startAll();
      await pipeline.load(10_000, 2_000);
      await sleep(3_000);
      const restartAt = Date.now();
      await stack.down(['kafka']);
      await stack.up(['kafka']);
      const back = Date.now();
      await pipeline.load(10_000, 2_000);
      await reconcileAndReport(pipeline, 'Kafka broker restarted', () => `broker away ${((back - restartAt) / 1000).toFixed(0)} s`);
    } finally {
      await stack.up(['kafka']);
      await pipeline.cleanup();
    }
  }, 600_000);
});
