import { request } from 'undici';
import { testEndpoints } from '../../harness/test-endpoints';
import { uniqueName } from '../../harness/unique-name';

interface QueryRangeResponse {
  status: string;
  data: { resultType: string; result: Array<{ stream: Record<string, string>; values: Array<[string, string]> }> };
}

describe('Loki (real server)', () => {
  const lokiUrl = testEndpoints().lokiUrl;

  async function push(job: string, entries: Array<[string, string, Record<string, string>?]>): Promise<number> {
    const res = await request(`${lokiUrl}/loki/api/v1/push`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ streams: [{ stream: { job, level: 'ERROR' }, values: entries }] }),
    });
    await res.body.text();
    return res.statusCode;
  }

  it('accepts a push with structured metadata, returns it from query_range, and drops an identical re-push', async () => {
    const job = uniqueName('smoke');
    const baseNs = BigInt(Date.now() - 60_000) * 1_000_000n;
    const entries: Array<[string, string, Record<string, string>]> = [0, 1, 2].map((i) => [
      (baseNs + BigInt(i) * 1_000_000n).toString(),
      JSON.stringify({ message: `disk full ${i}` }),
      { log_id: `id-${i}` },
    ]);
    expect(await push(job, entries)).toBe(204);
    expect(await push(job, entries)).toBe(204); // a replay: Loki drops identical (timestamp, line) entries

    const params = new URLSearchParams({
      query: `{job="${job}"}`,
      start: (baseNs - 60_000_000_000n).toString(),
      end: (baseNs + 60_000_000_000n).toString(),
      direction: 'forward',
      limit: '100',
    });
    const res = await request(`${lokiUrl}/loki/api/v1/query_range?${params.toString()}`);
    const body = (await res.body.json()) as QueryRangeResponse;
    expect(res.statusCode).toBe(200);
    const values = body.data.result.flatMap((s) => s.values);
    expect(values.map(([, line]) => JSON.parse(line).message)).toEqual(['disk full 0', 'disk full 1', 'disk full 2']);
    // Structured metadata comes back as stream labels of the query result, never as index labels.
    const streams = body.data.result.map((s) => s.stream);
    expect(streams.map((s) => s.log_id).sort()).toEqual(['id-0', 'id-1', 'id-2']);
    expect(streams.every((s) => s.job === job && s.level === 'ERROR')).toBe(true);
  });
});
