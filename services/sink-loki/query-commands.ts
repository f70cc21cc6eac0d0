import { parseArgs } from 'node:util';
import { parseDuration, QueryUsageError } from '../sink-es/query-commands';
import { LokiQueryClient, LokiQueryError, lokiConnectionFromEnv, type QueryRangeData } from './query-client';

export const LOGQL_USAGE = `Usage: logpipe logql '<LogQL>' [options]

Runs a LogQL query over a time range in Loki (query_range), newest first, e.g.
  logpipe logql '{job="dfs", level="ERROR"}' --since 1h
  logpipe logql '{job="dfs", component="storage"} |= "disk full" | json' --limit 50 --json
  logpipe logql 'sum by (level) (count_over_time({job="dfs"}[5m]))' --since 6h

  --since D         a duration back from now: 15m, 2h, 7d (default 1h)
  --from T --to T   an absolute range (ISO-8601), instead of --since
  --limit N         entries at most, 1 to 5000 (default 100)
  --forward         oldest first
  --json            one JSON object per entry (timestamp, ns, labels, line)
  --loki URL        (default $LOKI_URL or http://127.0.0.1:3100)
  --tenant ID       X-Scope-OrgID (default $LOKI_TENANT_ID)
Credentials and TLS come from LOKI_USERNAME/LOKI_PASSWORD or LOKI_BEARER_TOKEN, LOKI_TLS_CA_FILE.`;

export const LABELS_USAGE = `Usage: logpipe labels [NAME] [options]

Lists the values of label NAME in Loki (e.g. every component), or every label name when NAME
is left out.
  logpipe labels component --since 24h
  logpipe labels node_id --query '{job="dfs", level="ERROR"}'

  --query SELECTOR  only streams this selector matches
  --since D         a duration back from now (default 6h)
  --from T --to T   an absolute range (ISO-8601), instead of --since
  --json            one JSON array
  --loki URL        (default $LOKI_URL or http://127.0.0.1:3100)
  --tenant ID       X-Scope-OrgID (default $LOKI_TENANT_ID)`;

const MAX_LIMIT = 5_000; // Loki's default max_entries_limit_per_query

/** One log entry of a result, merged across streams. */
export interface ResultEntry {
  readonly ns: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly line: string;
}

function timeRange(values: { since?: string | undefined; from?: string | undefined; to?: string | undefined }, defaultSince: string, now: number): { startNs: bigint; endNs: bigint } {
  const ms = (name: string, text: string): number => {
    const parsed = Date.parse(text);
    if (!Number.isFinite(parsed)) throw new QueryUsageError(`--${name} ${JSON.stringify(text)} is not an ISO-8601 time`);
    return parsed;
  };
  const endMs = values.to !== undefined ? ms('to', values.to) : now;
  const startMs = values.from !== undefined ? ms('from', values.from) : endMs - parseDuration(values.since ?? defaultSince);
  if (startMs >= endMs) throw new QueryUsageError('the range is empty: --from must be before --to');
  return { startNs: BigInt(startMs) * 1_000_000n, endNs: BigInt(endMs) * 1_000_000n };
}

/** Nanoseconds text -> ISO-8601 with the full nanosecond fraction. */
export function isoNanos(ns: string): string {
  const whole = BigInt(ns);
  const ms = Number(whole / 1_000_000n);
  const fraction = (whole % 1_000_000_000n).toString().padStart(9, '0');
  return `${new Date(ms).toISOString().slice(0, 19)}.${fraction}Z`;
}

/** Entries of every stream in one list, newest first (or oldest first for `forward`), at most `limit`. */
export function mergeStreams(data: QueryRangeData, direction: 'forward' | 'backward', limit: number): ResultEntry[] {
  if (data.resultType !== 'streams') return [];
  const entries = data.result.flatMap((s) => s.values.map(([ns, line]) => ({ ns, labels: s.stream, line })));
  const sign = direction === 'forward' ? 1 : -1;
  entries.sort((a, b) => {
    const d = BigInt(a.ns) - BigInt(b.ns);
    return d === 0n ? 0 : d > 0n ? sign : -sign;
  });
  return entries.slice(0, limit);
}

/** `2026-11-25T10:00:00.123456000Z  ERROR    node-3     storage    <line>`, or the labels when those are missing. */
export function formatEntry(entry: ResultEntry): string {
  const { level, node_id: node, component } = entry.labels;
  const where =
    level !== undefined && node !== undefined && component !== undefined
      ? `${level.padEnd(8)} ${node.padEnd(10)} ${component.padEnd(10)}`
      : `{${Object.entries(entry.labels)
          .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
          .join(', ')}}`;
  return `${isoNanos(entry.ns)}  ${where} ${entry.line}`;
}

export async function runLogQuery(argv: readonly string[], out: (line: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      since: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      limit: { type: 'string' },
      forward: { type: 'boolean' },
      json: { type: 'boolean' },
      loki: { type: 'string' },
      tenant: { type: 'string' },
    },
  });
  if (positionals.length !== 1) throw new QueryUsageError(`expected one LogQL query (quoted), got ${positionals.length} arguments`);
  const query = positionals[0] as string;
  const limit = Number(values.limit ?? 100);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw new QueryUsageError(`--limit ${JSON.stringify(values.limit)} is not an integer from 1 to ${MAX_LIMIT}`);
  const { startNs, endNs } = timeRange(values, '1h', Date.now());
  const direction = values.forward ? 'forward' : 'backward';
  const client = new LokiQueryClient(lokiConnectionFromEnv(process.env, { url: values.loki, tenantId: values.tenant }));
  try {
    const data = await client.queryRange({ query, startNs, endNs, limit, direction }).catch((err: unknown) => {
      if (err instanceof LokiQueryError && err.status === 400) throw new QueryUsageError(`Loki refused the query: ${err.body.trim()}`);
      throw err;
    });
    const range = `between ${isoNanos(startNs.toString())} and ${isoNanos(endNs.toString())}`;
    if (data.resultType === 'matrix') {
      for (const series of data.result) {
        if (values.json) out(JSON.stringify(series));
        else out(`${JSON.stringify(series.metric)}  ${series.values.map(([t, v]) => `${new Date(t * 1000).toISOString()}=${v}`).join(' ')}`);
      }
      if (!values.json) out(`${data.result.length} series ${range}`);
      return 0;
    }
    const entries = mergeStreams(data, direction, limit);
    for (const e of entries) out(values.json ? JSON.stringify({ timestamp: isoNanos(e.ns), ns: e.ns, labels: e.labels, line: e.line }) : formatEntry(e));
    if (!values.json) out(`${entries.length} entries${entries.length === limit ? ` (the --limit; there may be more)` : ''} ${range}`);
    return 0;
  } finally {
    await client.close();
  }
}

export async function runLabelValues(argv: readonly string[], out: (line: string) => void): Promise<number> {
  const { values, positionals } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      query: { type: 'string' },
      since: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      json: { type: 'boolean' },
      loki: { type: 'string' },
      tenant: { type: 'string' },
    },
  });
  if (positionals.length > 1) throw new QueryUsageError(`expected at most one label name, got ${positionals.join(' ')}`);
  const name = positionals[0];
  if (name !== undefined && !/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name)) throw new QueryUsageError(`${JSON.stringify(name)} is not a label name ([a-zA-Z_][a-zA-Z0-9_]*)`);
  const { startNs, endNs } = timeRange(values, '6h', Date.now());
  const client = new LokiQueryClient(lokiConnectionFromEnv(process.env, { url: values.loki, tenantId: values.tenant }));
  try {
    const list = await (name === undefined ? client.labelNames(startNs, endNs, values.query) : client.labelValues(name, startNs, endNs, values.query)).catch((err: unknown) => {
      if (err instanceof LokiQueryError && err.status === 400) throw new QueryUsageError(`Loki refused the request: ${err.body.trim()}`);
      throw err;
    });
    const sorted = [...list].sort();
    if (values.json) out(JSON.stringify(sorted));
    else for (const v of sorted) out(v);
    return 0;
  } finally {
    await client.close();
  }
}
