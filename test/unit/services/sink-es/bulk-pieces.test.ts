import { indexNameFor } from '../../../../services/sink-es/encoder';
import { buildBulkRequests, bulkItem } from '../../../../services/sink-es/request-builder';
import { backoffMs, classifyItem, classifyResponse } from '../../../../services/sink-es/retry';
import { searchQuery, parseDuration } from '../../../../services/sink-es/query-commands';

describe('indexNameFor', () => {
  it.each([
    ['2026-11-20T00:00:00.000Z', 'dfs-logs-2026.11.20'],
    ['2026-11-20T23:59:59.999Z', 'dfs-logs-2026.11.20'],
    ['2026-01-02T03:04:05.000Z', 'dfs-logs-2026.01.02'],
  ])('puts %s (event time, UTC) in %s', (iso, index) => {
    expect(indexNameFor('dfs-logs', Date.parse(iso) * 1000 + 999)).toBe(index);
  });
});

describe('classifyItem / classifyResponse', () => {
  it.each([
    [200, 'ok'],
    [201, 'ok'],
    [429, 'retry'],
    [500, 'retry'],
    [503, 'retry'],
    [400, 'dead-letter'],
    [404, 'dead-letter'],
    [409, 'dead-letter'],
  ] as const)('item status %i -> %s', (status, verdict) => {
    expect(classifyItem(status)).toBe(verdict);
  });

  it.each([
    [200, 'items'],
    [undefined, 'retry'],
    [429, 'retry'],
    [502, 'retry'],
    [413, 'split'],
    [401, 'fail'],
    [400, 'fail'],
  ] as const)('response status %p -> %s', (status, verdict) => {
    expect(classifyResponse(status)).toBe(verdict);
  });

  it('backs off exponentially with full jitter, capped', () => {
    for (let attempt = 1; attempt < 30; attempt++) {
      const delay = backoffMs(attempt, 200, 30_000);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(Math.min(30_000, 200 * 2 ** (attempt - 1)));
    }
  });
});

describe('buildBulkRequests', () => {
  const items = Array.from({ length: 5 }, (_, i) => bulkItem(i, 'idx', `id-${i}`, { n: i }));

  it('writes action and document lines with the id and index', () => {
    expect(items[0]?.lines).toBe('{"index":{"_index":"idx","_id":"id-0"}}\n{"n":0}\n');
  });

  it('splits by document count and by bytes, keeping order and at least one item per request', () => {
    expect(buildBulkRequests(items, 2, 1_000_000).map((r) => r.items.map((i) => i.inputIndex))).toEqual([[0, 1], [2, 3], [4]]);
    const one = items[0]?.bytes ?? 0;
    expect(buildBulkRequests(items, 100, one * 2).map((r) => r.items.length)).toEqual([2, 2, 1]);
    expect(buildBulkRequests(items, 100, 1).map((r) => r.items.length)).toEqual([1, 1, 1, 1, 1]);
    const [first] = buildBulkRequests(items, 100, 1_000_000);
    expect(first?.body).toBe(items.map((i) => i.lines).join(''));
    expect(first?.bytes).toBe(items.reduce((s, i) => s + i.bytes, 0));
  });
});

describe('search query', () => {
  it('filters on keyword fields and the time range, with optional text', () => {
    expect(searchQuery({ levels: ['error'], components: ['database'], nodes: [], from: 'A', to: 'B', text: 'connection timeout' })).toEqual({
      bool: {
        filter: [{ range: { '@timestamp': { gte: 'A', lte: 'B' } } }, { terms: { level: ['ERROR'] } }, { terms: { component: ['database'] } }],
        must: [{ match: { message: { query: 'connection timeout', operator: 'and' } } }],
      },
    });
  });

  it.each([
    ['15m', 900_000],
    ['2h', 7_200_000],
    ['7d', 604_800_000],
  ])('parses %s', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it('refuses a duration it cannot read', () => {
    expect(() => parseDuration('an hour')).toThrow('duration "an hour" is not like 15m, 2h or 7d');
  });
});
