import fs from 'node:fs';
import type { ChildProcess } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@elastic/elasticsearch';
import type { LokiServer } from '../../stack/servers/loki';
import { ChaosPipeline, type ChaosService } from '../harness/chaos-pipeline';
import { localStack as stack, managedByLocalStack as managed } from '../harness/local-stack-servers';
import { testEndpoints } from '../harness/test-endpoints';

const PRESSURE_MS = 30_000;

/** A counter of the server's own, read over HTTP: proof that the pressure really happened. */
async function lokiRateLimited(): Promise<number> {
  const text = await (await fetch(`${testEndpoints().lokiUrl}/metrics`)).text();
  return text
    .split('\n')
    .filter((l) => l.startsWith('loki_discarded_samples_total{') && l.includes('reason="rate_limited"'))
    .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
}

async function esInFlightBreakerTrips(es: Client): Promise<number> {
  const stats = await es.nodes.stats({ metric: 'breaker' });
  return Object.values(stats.nodes).reduce((sum, n) => sum + (n.breakers?.inflight_requests?.tripped ?? 0), 0);
}

describe('chaos: back-pressure and rebalances while logs arrive', () => {
  const es = new Client({ node: testEndpoints().esUrl });
  const runtimeFile = (stack.server('loki') as LokiServer).runtimeConfigFile;
  afterAll(async () => {
    // Never leave a shared server throttled.
    if (managed('loki')) fs.writeFileSync(runtimeFile, 'overrides: {}\n');
    await es.cluster.putSettings({ persistent: { 'network.breaker.inflight_requests.limit': null } }).catch(() => undefined);
    await es.close();
  });

  /** The pipeline under load while `throttle` holds for 30 s; `evidence` is a server counter that must rise. */
  interface Pressure {
    readonly sink: 'sink-es' | 'sink-loki';
    readonly evidence: () => Promise<number>;
    readonly throttle: () => Promise<void>;
    readonly lift: () => Promise<void>;
  }

  async function underPressure(scenario: string, p: Pressure): Promise<void> {
    const pipeline = new ChaosPipeline();
    try {
      await pipeline.create();
      pipeline.startAll();
      const load = pipeline.load(30_000, 1_000);
      await sleep(5_000);
      const before = await p.evidence();
      await p.throttle();
      await sleep(PRESSURE_MS);
      pipeline.notePeak(p.sink, pipeline.running.get(p.sink)?.pid);
      await p.lift();
      const back = Date.now();
      await load;
      const r = await pipeline.reconcile();
      pipeline.report(scenario, r, `all delivered ${((Date.now() - back) / 1000).toFixed(0)} s after the limit was lifted (incl. reconciliation)`);
      expect(await p.evidence()).toBeGreaterThan(before);
      expect(r.exitCodes).toEqual([0, 0, 0, 0]);
      expect({ lost: r.lost, duplicated: r.duplicated }).toEqual({ lost: 0, duplicated: 0 });
    } finally {
      await p.lift().catch(() => undefined);
      await pipeline.cleanup();
    }
  }

  (managed('loki') ? it : it.skip)('Loki answers 429 (ingestion rate limit) for 30 s: the sink backs off, then delivers everything once', () =>
    underPressure('Loki 429 for 30 s', {
      sink: 'sink-loki',
      evidence: lokiRateLimited,
      // Tenant "fake" is every push when auth is off; Loki re-reads this file every second.
      throttle: async () => fs.writeFileSync(runtimeFile, 'overrides:\n  fake:\n    ingestion_rate_mb: 0.01\n    ingestion_burst_size_mb: 0.01\n'),
      lift: async () => fs.writeFileSync(runtimeFile, 'overrides: {}\n'),
    }), 600_000);

  (managed('elasticsearch') ? it : it.skip)('Elasticsearch answers 429 (in-flight requests breaker) for 30 s: the sink backs off, then delivers everything once', () =>
    underPressure('Elasticsearch 429 for 30 s', {
      sink: 'sink-es',
      evidence: () => esInFlightBreakerTrips(es),
      // A dynamic setting: every request body above 1 KB is refused with 429 circuit_breaking_exception.
      throttle: async () => void (await es.cluster.putSettings({ persistent: { 'network.breaker.inflight_requests.limit': '1kb' } })),
      lift: async () => void (await es.cluster.putSettings({ persistent: { 'network.breaker.inflight_requests.limit': null } })),
    }), 600_000);

  it('instances of every service join and leave during the run (rebalances): nothing lost or doubled', async () => {
    const pipeline = new ChaosPipeline();
    const services: ChaosService[] = ['enricher', 'sink-es', 'sink-loki', 'analyzer'];
    try {
      await pipeline.create();
      pipeline.startAll();
      const load = pipeline.load(40_000, 1_000);
      await sleep(5_000);
      const extras: ChildProcess[][] = [];
      for (const round of [2, 3]) extras.push(services.map((s) => pipeline.startExtra(s, `c${round}`)));
      await sleep(12_000);
      const leaving = async (children: ChildProcess[]) => {
        const exits = children.map((c) => new Promise<number | null>((r) => c.once('exit', (code) => r(code))));
        for (const c of children) c.kill('SIGTERM');
        return Promise.all(exits);
      };
      // One group of extras leaves, one joins again, then all extras leave: three more rebalances each.
      const firstLeave = await leaving(extras[0] as ChildProcess[]);
      await sleep(8_000);
      extras[0] = services.map((s) => pipeline.startExtra(s, 'c4'));
      await sleep(8_000);
      const secondLeave = await leaving([...(extras[0] as ChildProcess[]), ...(extras[1] as ChildProcess[])]);
      const settled = Date.now();
      await load;
      const r = await pipeline.reconcile();
      pipeline.report('instances added and removed (6 rebalances per group)', r, `all delivered ${((Date.now() - settled) / 1000).toFixed(0)} s after the last instance left (incl. reconciliation)`);
      expect([...firstLeave, ...secondLeave]).toEqual(Array(12).fill(0));
      expect(r.exitCodes).toEqual([0, 0, 0, 0]);
      expect({ lost: r.lost, duplicated: r.duplicated }).toEqual({ lost: 0, duplicated: 0 });
    } finally {
      await pipeline.cleanup();
    }
  }, 600_000);
});
