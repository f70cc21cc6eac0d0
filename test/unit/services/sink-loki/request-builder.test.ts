import { toLokiEntry, type LokiEntry } from '../../../../services/sink-loki/encoder';
import { buildPushBatches, groupByStream, splitBatch } from '../../../../services/sink-loki/request-builder';
import { enrichedRecord } from './enriched-record-fixture';

const options = { job: 'dfs', lineFormat: 'json' as const, maxLabelValueBytes: 1024 };
const entries: LokiEntry[] = Array.from({ length: 10 }, (_, i) => toLokiEntry(i, enrichedRecord({ node_id: `node-${i % 3}`, message: `m${i}` }), options));
const indices = (list: readonly LokiEntry[]) => list.map((e) => e.inputIndex);

describe('push requests', () => {
  it('groups entries per stream, streams in order of first appearance, entries in input order', () => {
    const batch = groupByStream(entries);
    expect(batch.streams.map((s) => s.labels.find((l) => l.name === 'node_id')?.value)).toEqual(['node-0', 'node-1', 'node-2']);
    expect(batch.streams.map((s) => indices(s.entries))).toEqual([[0, 3, 6, 9], [1, 4, 7], [2, 5, 8]]);
    expect(indices(batch.entries)).toEqual([0, 3, 6, 9, 1, 4, 7, 2, 5, 8]);
    expect(batch.bytes).toBe(entries.reduce((s, e) => s + e.bytes, 0) + batch.streams.reduce((s, st) => s + st.stream.length + 8, 0));
  });

  it('bounds requests by bytes, at least one entry each, every entry once', () => {
    const one = (entries[0] as LokiEntry).bytes + (entries[0] as LokiEntry).stream.length + 8;
    for (const maxBytes of [1, one, one * 2 + 10, one * 4, 10_000_000]) {
      const batches = buildPushBatches(entries, maxBytes);
      expect(batches.flatMap((b) => indices(b.entries)).sort((a, b) => a - b)).toEqual([...Array(10).keys()]);
      for (const b of batches) expect(b.entries.length === 1 || b.bytes <= maxBytes).toBe(true);
    }
    expect(buildPushBatches(entries, 1)).toHaveLength(10);
    expect(buildPushBatches(entries, 10_000_000)).toHaveLength(1);
    expect(buildPushBatches([], 100)).toEqual([]);
  });

  it('halves a refused request; halving again and again isolates every entry', () => {
    const [a, b] = splitBatch(groupByStream(entries));
    expect(indices(a.entries)).toEqual([0, 3, 6, 9, 1]);
    expect(indices(b.entries)).toEqual([4, 7, 2, 5, 8]);
    expect(a.streams).toHaveLength(2);
    let level = [groupByStream(entries)];
    for (let round = 0; round < 4; round++) level = level.flatMap((batch) => (batch.entries.length > 1 ? splitBatch(batch) : [batch]));
    expect(level.every((batch) => batch.entries.length === 1)).toBe(true);
    expect(level.map((batch) => batch.entries[0]?.inputIndex).sort((x, y) => (x as number) - (y as number))).toEqual([...Array(10).keys()]);
  });
});
