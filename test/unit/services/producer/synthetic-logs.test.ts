import { SyntheticLogs } from '../../../../services/producer/load/synthetic-logs';

const options = { seed: 42, nodes: 3, errorRatio: 0.1, warningRatio: 0.2, service: 'storage-node', version: '1.0.0' };

describe('SyntheticLogs', () => {
  it('is deterministic for a seed and differs across seeds', () => {
    const take = (seed: number) => {
      const logs = new SyntheticLogs({ ...options, seed });
      return Array.from({ length: 50 }, () => logs.next());
    };
    expect(take(42)).toEqual(take(42));
    expect(take(42)).not.toEqual(take(43));
  });

  it('follows the requested level mix and spreads records over the nodes', () => {
    const logs = new SyntheticLogs(options);
    const counts: Record<string, number> = {};
    const nodes = new Set<string>();
    for (let i = 0; i < 20_000; i++) {
      const { call, origin } = logs.next();
      const level = call.level as string;
      counts[level] = (counts[level] ?? 0) + 1;
      nodes.add(origin.nodeId);
    }
    const share = (...levels: string[]) => levels.reduce((s, l) => s + (counts[l] ?? 0), 0) / 20_000;
    expect(share('ERROR', 'CRITICAL')).toBeCloseTo(0.1, 1);
    expect(share('WARNING')).toBeCloseTo(0.2, 1);
    expect(counts.CRITICAL).toBeGreaterThan(0);
    expect([...nodes].sort()).toEqual(['node-1', 'node-2', 'node-3']);
  });

  it('fills the context fields the enricher derives from', () => {
    const { call } = new SyntheticLogs(options).next();
    expect(Object.keys(call.context as object).sort()).toEqual(['client_ip', 'cpu_usage', 'memory_usage', 'request_id', 'size_bytes', 'usage_percent', 'user_agent']);
    expect(call.logId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});
