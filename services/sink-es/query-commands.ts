import { parseArgs } from 'node:util';
import { Client } from '@elastic/elasticsearch';
import type { estypes } from '@elastic/elasticsearch';

export const SEARCH_USAGE = `Usage: logpipe search [options]

Searches the logs in Elasticsearch, newest first.

  --level L         DEBUG, INFO, WARNING, ERROR or CRITICAL (repeatable)
  --component C     e.g. storage (repeatable)
  --node N          node_id (repeatable)
  --since D         a duration back from now: 15m, 2h, 7d (default 1h)
  --from T --to T   an absolute range (ISO-8601), instead of --since
  --text "words"    full-text match on the message
  --limit N         (default 20)
  --json            one JSON document per line
  --es URL          (default $ES_URL or http://127.0.0.1:9200)
  --index-prefix P  (default dfs-logs)`;

export const STATS_USAGE = `Usage: logpipe stats [--hours N] [--json] [--es URL] [--index-prefix P]

Counts of the last N hours (default 24) by level, component and node, and an hourly histogram.`;

export class QueryUsageError extends Error {
  override readonly name = 'QueryUsageError';
}

/** `15m`, `2h`, `7d` -> milliseconds. */
export function parseDuration(text: string): number {
  const m = /^(\d+)\s*(s|m|h|d)$/.exec(text.trim());
  if (!m) throw new QueryUsageError(`duration ${JSON.stringify(text)} is not like 15m, 2h or 7d`);
  return Number(m[1]) * { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 }[m[2] as 's' | 'm' | 'h' | 'd'];
}

function client(es: string | undefined): Client {
  return new Client({ node: es ?? process.env.ES_URL ?? 'http://127.0.0.1:9200' });
}

function isoOrThrow(name: string, value: string): string {
  const ms = Date.parse(value);
  if (!Number.isFinite(ms)) throw new QueryUsageError(`--${name} ${JSON.stringify(value)} is not an ISO-8601 time`);
  return new Date(ms).toISOString();
}

/** The bool query of a search: keyword filters on the template's fields, a time range, optional text. */
export function searchQuery(options: { levels: string[]; components: string[]; nodes: string[]; from: string; to: string; text?: string | undefined }): estypes.QueryDslQueryContainer {
  const filter: estypes.QueryDslQueryContainer[] = [{ range: { '@timestamp': { gte: options.from, lte: options.to } } }];
  if (options.levels.length > 0) filter.push({ terms: { level: options.levels.map((l) => l.toUpperCase()) } });
  if (options.components.length > 0) filter.push({ terms: { component: options.components } });
  if (options.nodes.length > 0) filter.push({ terms: { node_id: options.nodes } });
  return { bool: { filter, ...(options.text ? { must: [{ match: { message: { query: options.text, operator: 'and' } } }] } : {}) } };
}

export async function runSearch(argv: readonly string[], out: (line: string) => void): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      level: { type: 'string', multiple: true },
      component: { type: 'string', multiple: true },
      node: { type: 'string', multiple: true },
      since: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      text: { type: 'string' },
      limit: { type: 'string' },
      json: { type: 'boolean' },
      es: { type: 'string' },
      'index-prefix': { type: 'string' },
    },
  });
  const now = Date.now();
  const from = values.from ? isoOrThrow('from', values.from) : new Date(now - parseDuration(values.since ?? '1h')).toISOString();
  const to = values.to ? isoOrThrow('to', values.to) : new Date(now).toISOString();
  const limit = Number(values.limit ?? 20);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new QueryUsageError(`--limit ${JSON.stringify(values.limit)} is not an integer from 1 to 10000`);
  const es = client(values.es);
  try {
    const result = await es.search<Record<string, unknown>>({
      index: `${values['index-prefix'] ?? 'dfs-logs'}-*`,
      size: limit,
      track_total_hits: true,
      sort: [{ '@timestamp': 'desc' }],
      query: searchQuery({ levels: values.level ?? [], components: values.component ?? [], nodes: values.node ?? [], from, to, text: values.text }),
      ignore_unavailable: true,
      allow_no_indices: true,
    });
    const total = typeof result.hits.total === 'number' ? result.hits.total : (result.hits.total?.value ?? 0);
    for (const hit of result.hits.hits) {
      const d = hit._source ?? {};
      out(values.json ? JSON.stringify(d) : `${String(d['@timestamp'])}  ${String(d.level).padEnd(8)} ${String(d.node_id).padEnd(10)} ${String(d.component).padEnd(10)} ${String(d.message)}`);
    }
    if (!values.json) out(`${result.hits.hits.length} of ${total} matching records between ${from} and ${to}`);
    return 0;
  } finally {
    await es.close();
  }
}

interface Bucket {
  key: string | number;
  key_as_string?: string;
  doc_count: number;
}

export async function runStats(argv: readonly string[], out: (line: string) => void): Promise<number> {
  const { values } = parseArgs({ args: [...argv], options: { hours: { type: 'string' }, json: { type: 'boolean' }, es: { type: 'string' }, 'index-prefix': { type: 'string' } } });
  const hours = Number(values.hours ?? 24);
  if (!Number.isInteger(hours) || hours < 1) throw new QueryUsageError(`--hours ${JSON.stringify(values.hours)} is not a positive integer`);
  const es = client(values.es);
  try {
    const result = await es.search({
      index: `${values['index-prefix'] ?? 'dfs-logs'}-*`,
      size: 0,
      track_total_hits: true,
      ignore_unavailable: true,
      allow_no_indices: true,
      query: { range: { '@timestamp': { gte: `now-${hours}h` } } },
      aggs: {
        by_level: { terms: { field: 'level', size: 10 } },
        by_component: { terms: { field: 'component', size: 20 } },
        by_node: { terms: { field: 'node_id', size: 50 } },
        hourly: { date_histogram: { field: '@timestamp', fixed_interval: '1h', min_doc_count: 0, extended_bounds: { min: `now-${hours}h/h`, max: 'now/h' } } },
      },
    });
    const aggs = result.aggregations as Record<string, { buckets: Bucket[] }> | undefined;
    const buckets = (name: string) => aggs?.[name]?.buckets ?? [];
    const total = typeof result.hits.total === 'number' ? result.hits.total : (result.hits.total?.value ?? 0);
    if (values.json) {
      out(JSON.stringify({ hours, total, byLevel: buckets('by_level'), byComponent: buckets('by_component'), byNode: buckets('by_node'), hourly: buckets('hourly') }));
      return 0;
    }
    out(`${total} records in the last ${hours} h`);
    for (const [title, name] of [['level', 'by_level'], ['component', 'by_component'], ['node', 'by_node']] as const) {
      out(`\nby ${title}:`);
      for (const b of buckets(name)) out(`  ${String(b.key).padEnd(14)} ${b.doc_count}`);
    }
    out('\nhourly:');
    const max = Math.max(1, ...buckets('hourly').map((b) => b.doc_count));
    for (const b of buckets('hourly')) out(`  ${String(b.key_as_string ?? b.key).slice(0, 13)}h ${String(b.doc_count).padStart(8)} ${'#'.repeat(Math.round((b.doc_count / max) * 40))}`);
    return 0;
  } finally {
    await es.close();
  }
}
