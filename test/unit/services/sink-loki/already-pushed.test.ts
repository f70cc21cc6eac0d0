import { withoutAlreadyPushed } from '../../../../services/sink-loki/already-pushed';
import { toLokiEntry } from '../../../../services/sink-loki/encoder';
import type { LokiQueryClient, QueryRangeData } from '../../../../services/sink-loki/query-client';
import { enrichedRecord } from './enriched-record-fixture';

const options = { job: 'dfs', lineFormat: 'json' as const, maxLabelValueBytes: 1024 };
const base = Date.parse('2026-11-20T10:00:00Z') * 1000;
const entries = [0, 1, 2, 3].map((i) =>
  toLokiEntry(i, enrichedRecord({ timestamp: base + i * 10, node_id: i < 2 ? 'node-1' : 'node.2+x', log_id: `00000000-0000-4000-8000-00000000000${i}` }), options),
);

/** A query client answering from a fixed list of held entries, `pageLimit` at a time like Loki. */
function fakeLoki(held: Array<{ logId: string; ns: bigint }>, queries: Array<{ query: string; startNs: bigint; endNs: bigint }>): LokiQueryClient {
  return {
    queryRange: async (p: { query: string; startNs: bigint; endNs: bigint; limit: number }): Promise<QueryRangeData> => {
      queries.push({ query: p.query, startNs: p.startNs, endNs: p.endNs });
      const page = held.filter((h) => h.ns >= p.startNs && h.ns < p.endNs).slice(0, p.limit);
      return { resultType: 'streams', result: page.map((h) => ({ stream: { job: 'dfs', log_id: h.logId }, values: [[h.ns.toString(), 'line']] })) };
    },
  } as unknown as LokiQueryClient;
}

describe('withoutAlreadyPushed', () => {
  it("asks for the batch's nodes over its time range and leaves out the entries Loki holds", async () => {
    const queries: Array<{ query: string; startNs: bigint; endNs: bigint }> = [];
    const held = [{ logId: '00000000-0000-4000-8000-000000000001', ns: BigInt(base + 10) * 1000n }];
    const result = await withoutAlreadyPushed(fakeLoki(held, queries), entries);
    expect(result.entries.map((e) => e.inputIndex)).toEqual([0, 2, 3]);
    expect(result).toMatchObject({ present: 1, complete: true });
    expect(queries).toEqual([{ query: '{job="dfs", node_id=~"node-1|node\\\\.2\\\\+x"}', startNs: BigInt(base) * 1000n, endNs: BigInt(base + 30) * 1000n + 1n }]);
  });

  it('reads page after page, each from the last time of the one before', async () => {
    const queries: Array<{ query: string; startNs: bigint; endNs: bigint }> = [];
    // 2,500 entries of other records of these nodes in the range, then two of the batch's.
    const held = Array.from({ length: 2_500 }, (_, i) => ({ logId: `other-${i}`, ns: BigInt(base) * 1000n + BigInt(i) }));
    held.push({ logId: '00000000-0000-4000-8000-000000000002', ns: BigInt(base + 20) * 1000n }, { logId: '00000000-0000-4000-8000-000000000003', ns: BigInt(base + 30) * 1000n });
    const result = await withoutAlreadyPushed(fakeLoki(held, queries), entries);
    expect(result.entries.map((e) => e.inputIndex)).toEqual([0, 1]);
    expect(result).toMatchObject({ present: 2, complete: true });
    expect(queries.map((q) => q.startNs - BigInt(base) * 1000n)).toEqual([0n, 999n, 1998n]);
  });
});
