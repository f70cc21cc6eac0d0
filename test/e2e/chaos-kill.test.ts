import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { ChaosPipeline, type ChaosService } from '../harness/chaos-pipeline';
import { reportChaos } from '../harness/chaos-report';

const RATE = 1_000;
const SECONDS = 60;
const BAD = 100;

/** Chaos 1: while logs arrive, every service process is killed -9 in turn, several times, and restarted at once. */
describe('chaos: kill -9 each service again and again while logs arrive', () => {
  const pipeline = new ChaosPipeline();
  afterAll(() => pipeline.cleanup());

  it('loses nothing and duplicates nothing', async () => {
    await pipeline.create();
    pipeline.startAll();
    const load = pipeline.load(RATE * SECONDS, RATE, BAD);

    const recoveries: Array<Promise<number>> = [];
    // Ten kills spread over the load, one every 5 s; each replacement starts at once.
    const order: ChaosService[] = ['enricher', 'sink-es', 'sink-loki', 'analyzer', 'enricher', 'sink-loki', 'analyzer', 'sink-es', 'enricher', 'analyzer'];
    for (const name of order) {
      await sleep(5_000);
      const victim = pipeline.running.get(name) as ChildProcess;
      pipeline.notePeak(name, victim.pid);
      const [group, topic] = pipeline.progressOf(name);
      const before = await pipeline.topics.committed(group, topic);
      victim.kill('SIGKILL');
      await new Promise((r) => victim.once('exit', r));
      const killedAt = Date.now();
      pipeline.start(name);
      // Recovered: the replacement commits past where the killed one stood (input keeps coming).
      recoveries.push(
        (async () => {
          while ((await pipeline.topics.committed(group, topic)) <= before && Date.now() < killedAt + 60_000) await sleep(200);
          return (Date.now() - killedAt) / 1000;
        })(),
      );
    }
    await load;
    const recovered = (await Promise.all(recoveries)).sort((a, b) => a - b);
    const peaks = pipeline.peakSummary();
    const r = await pipeline.reconcile();
    reportChaos({
      scenario: `kill -9 x${order.length} (enricher 3, sink-es 2, sink-loki 2, analyzer 3)`,
      sent: r.sent,
      delivered: `ES ${r.inElasticsearch}, Loki ${r.inLoki}, analyzer ${r.countedByAnalyzer}`,
      deadLettered: r.deadLettered,
      lost: r.lost,
      duplicated: r.duplicated,
      recoverySeconds: `median ${recovered[Math.floor(recovered.length / 2)]?.toFixed(1)}, max ${recovered.at(-1)?.toFixed(1)}`,
      peakRssMb: peaks,
    });
    expect(r.exitCodes).toEqual([0, 0, 0, 0]);
    expect({ lost: r.lost, duplicated: r.duplicated, deadLettered: r.deadLettered }).toEqual({ lost: 0, duplicated: 0, deadLettered: BAD });
  }, 600_000);
});
