import { setTimeout as sleep } from 'node:timers/promises';
import { ChaosPipeline } from '../harness/chaos-pipeline';
import { reportChaos } from '../harness/chaos-report';
import { localStack as stack, managedByLocalStack as managed } from '../harness/local-stack-servers';

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
        const r = await pipeline.reconcile();
        reportChaos({
          scenario: `${label} stopped 60 s`,
          sent: r.sent,
          delivered: `ES ${r.inElasticsearch}, Loki ${r.inLoki}, analyzer ${r.countedByAnalyzer}`,
          deadLettered: r.deadLettered,
          lost: r.lost,
          duplicated: r.duplicated,
          recoverySeconds: `all delivered ${((Date.now() - back) / 1000).toFixed(0)} s after the restart (incl. reconciliation)`,
          peakRssMb: pipeline.peakSummary(),
        });
        expect(r.exitCodes).toEqual([0, 0, 0, 0]);
        expect({ lost: r.lost, duplicated: r.duplicated }).toEqual({ lost: 0, duplicated: 0 });
      } finally {
        await stack.up([server]);
        await pipeline.cleanup();
      }
    }, 600_000);

  outage('elasticsearch', 'Elasticsearch', 'sink-es');
  outage('loki', 'Loki', 'sink-loki');

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
      const r = await pipeline.reconcile();
      reportChaos({
        scenario: 'Kafka broker restarted',
        sent: r.sent,
        delivered: `ES ${r.inElasticsearch}, Loki ${r.inLoki}, analyzer ${r.countedByAnalyzer}`,
        deadLettered: r.deadLettered,
        lost: r.lost,
        duplicated: r.duplicated,
        recoverySeconds: `broker away ${((back - restartAt) / 1000).toFixed(0)} s`,
        peakRssMb: pipeline.peakSummary(),
      });
      expect(r.exitCodes).toEqual([0, 0, 0, 0]);
      expect({ lost: r.lost, duplicated: r.duplicated }).toEqual({ lost: 0, duplicated: 0 });
    } finally {
      await stack.up(['kafka']);
      await pipeline.cleanup();
    }
  }, 600_000);
});
