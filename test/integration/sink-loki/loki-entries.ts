import { LokiQueryClient, type StreamResult } from '../../../services/sink-loki/query-client';
import { testEndpoints } from '../../harness/test-endpoints';

/** One entry as query_range returns it: stream labels (structured metadata included), time, line. */
export interface QueriedEntry {
  readonly labels: Readonly<Record<string, string>>;
  readonly ns: string;
  readonly line: string;
}

/**
 * Pages of at most this many entries: the local Loki's querier answers its frontend over gRPC,
 * whose 4 MiB message limit a page of 5,000 of our ~1 KB entries exceeds (a 504 after 60 s).
 */
const PAGE = 1_000;

/**
 * Every entry of `job` in [startMs, endMs), read back through query_range page by page: forward,
 * each page starting (inclusive) at the last time of the one before. Only entries at that
 * boundary time are matched against the previous page, so a duplicate Loki itself returns
 * elsewhere is still counted.
 */
export async function entriesOfJob(job: string, startMs: number, endMs: number): Promise<QueriedEntry[]> {
  const client = new LokiQueryClient({ url: testEndpoints().lokiUrl, rejectUnauthorized: true });
  const all: QueriedEntry[] = [];
  const key = (e: QueriedEntry): string => `${JSON.stringify(e.labels)}|${e.ns}|${e.line}`;
  try {
    let startNs = BigInt(startMs) * 1_000_000n;
    let atBoundary = new Map<string, number>();
    for (;;) {
      const data = await client.queryRange({ query: `{job="${job}"}`, startNs, endNs: BigInt(endMs) * 1_000_000n, limit: PAGE, direction: 'forward' });
      if (data.resultType !== 'streams') throw new Error(`expected streams, got ${data.resultType}`);
      const page = data.result.flatMap((s: StreamResult) => s.values.map(([ns, line]) => ({ labels: s.stream, ns, line })));
      for (const e of page) {
        const seenBefore = BigInt(e.ns) === startNs ? (atBoundary.get(key(e)) ?? 0) : 0;
        if (seenBefore > 0) atBoundary.set(key(e), seenBefore - 1);
        else all.push(e);
      }
      if (page.length < PAGE) break;
      const lastNs = page.reduce((max, e) => (BigInt(e.ns) > max ? BigInt(e.ns) : max), 0n);
      if (lastNs === startNs) throw new Error(`more than ${PAGE} entries at ${lastNs} ns: cannot page by time`);
      atBoundary = new Map();
      for (const e of page) if (BigInt(e.ns) === lastNs) atBoundary.set(key(e), (atBoundary.get(key(e)) ?? 0) + 1);
      startNs = lastNs;
    }
    return all;
  } finally {
    await client.close();
  }
}

/** `sum(count_over_time({job=...}[range]))` at `endMs`: Loki's own count, a second opinion to query_range. */
export async function countOfJob(job: string, startMs: number, endMs: number): Promise<number> {
  const client = new LokiQueryClient({ url: testEndpoints().lokiUrl, rejectUnauthorized: true });
  try {
    return await countOfJobOn(client, job, startMs, endMs);
  } finally {
    await client.close();
  }
}

/** The same count through a client the caller keeps open (for polling). */
export async function countOfJobOn(client: LokiQueryClient, job: string, startMs: number, endMs: number): Promise<number> {
  const rangeSec = Math.ceil((endMs - startMs) / 1000);
  const data = await client.queryRange({ query: `sum(count_over_time({job="${job}"}[${rangeSec}s]))`, startNs: BigInt(endMs) * 1_000_000n, endNs: BigInt(endMs) * 1_000_000n, limit: 1, direction: 'forward', stepSec: 1 });
  if (data.resultType !== 'matrix') throw new Error(`expected a matrix, got ${data.resultType}`);
  return Number(data.result[0]?.values.at(-1)?.[1] ?? 0);
}
