import { Client } from '@elastic/elasticsearch';
import { testEndpoints } from '../../harness/test-endpoints';
import { uniqueName } from '../../harness/unique-name';

describe('Elasticsearch (real server)', () => {
  const client = new Client({ node: testEndpoints().esUrl });
  const index = uniqueName('smoke');

  afterAll(async () => {
    await client.indices.delete({ index, ignore_unavailable: true });
    await client.close();
  });

  it('bulk-indexes documents by id, overwrites on re-index, and finds them by term, text and aggregation', async () => {
    await client.indices.create({
      index,
      mappings: { properties: { level: { type: 'keyword' }, message: { type: 'text' }, latency_ms: { type: 'double' } } },
    });
    const docs = [
      { id: 'a', level: 'ERROR', message: 'disk full on volume 3', latency_ms: 12.5 },
      { id: 'b', level: 'INFO', message: 'upload complete', latency_ms: 3 },
      { id: 'c', level: 'ERROR', message: 'replica lost', latency_ms: 40 },
    ];
    const bulk = async () =>
      client.bulk({ refresh: 'wait_for', operations: docs.flatMap(({ id, ...doc }) => [{ index: { _index: index, _id: id } }, doc]) });
    expect((await bulk()).errors).toBe(false);
    expect((await bulk()).errors).toBe(false); // same ids again: a replay

    const count = await client.count({ index });
    expect(count.count).toBe(3);

    const errors = await client.search<{ message: string }>({ index, query: { term: { level: 'ERROR' } }, sort: [{ latency_ms: 'asc' }] });
    expect(errors.hits.hits.map((h) => h._id)).toEqual(['a', 'c']);

    const text = await client.search<{ message: string }>({ index, query: { match: { message: 'upload' } } });
    expect(text.hits.hits.map((h) => h._source?.message)).toEqual(['upload complete']);

    const aggs = await client.search({ index, size: 0, aggs: { levels: { terms: { field: 'level' } } } });
    const buckets = (aggs.aggregations?.levels as { buckets: Array<{ key: string; doc_count: number }> }).buckets;
    expect(buckets).toEqual([
      { key: 'ERROR', doc_count: 2 },
      { key: 'INFO', doc_count: 1 },
    ]);
  });
});
