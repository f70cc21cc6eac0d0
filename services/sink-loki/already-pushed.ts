import type { LokiEntry } from './encoder';
import type { LokiQueryClient } from './query-client';

/** Entries per lookup page: a page of ~1 KB entries must stay under the 4 MiB gRPC messages between Loki's query frontend and querier. */
const PAGE_ENTRIES = 1_000;
/** Pages read before the lookup gives up on a batch (a replay of a long, dense time range). */
const MAX_PAGES = 50;

export interface AlreadyPushed {
  /** The entries Loki does not hold yet, in their order. */
  readonly entries: LokiEntry[];
  /** How many Loki already held. */
  readonly present: number;
  /** False when the lookup stopped at MAX_PAGES: the rest is pushed unchecked. */
  readonly complete: boolean;
}

/**
 * The entries of a partition's first batch after a group join that Loki already holds. The
 * partition's previous holder may have pushed that batch and lost the partition before its
 * offset was committed. Loki drops an identical entry only while the original is still in its
 * stream's head block (a block is cut every 256 KB of a stream), so a re-push can store a second
 * copy: they are looked up by `log_id` instead. Records are keyed by node, so one partition holds
 * all of a node's records, and a query by the batch's `node_id`s over its time range returns only
 * this partition's entries.
 */
export async function withoutAlreadyPushed(client: LokiQueryClient, entries: LokiEntry[]): Promise<AlreadyPushed> {
  if (entries.length === 0) return { entries, present: 0, complete: true };
  const job = labelOf(entries[0] as LokiEntry, 'job');
  const nodes = [...new Set(entries.map((e) => labelOf(e, 'node_id')))];
  const query = `{job="${logqlString(job)}", node_id=~"${logqlString(nodes.map(regexLiteral).join('|'))}"}`;
  let startNs = entries.reduce((min, e) => (nanosOf(e) < min ? nanosOf(e) : min), nanosOf(entries[0] as LokiEntry));
  const endNs = entries.reduce((max, e) => (nanosOf(e) > max ? nanosOf(e) : max), startNs) + 1n;
  const held = new Set<string>();
  let complete = false;
  for (let page = 0; page < MAX_PAGES; page++) {
    const data = await client.queryRange({ query, startNs, endNs, limit: PAGE_ENTRIES, direction: 'forward' });
    if (data.resultType !== 'streams') break;
    let returned = 0;
    let lastNs = startNs;
    for (const stream of data.result) {
      // Structured metadata comes back among the stream's labels.
      const logId = stream.stream.log_id;
      if (logId !== undefined) held.add(logId);
      for (const [ns] of stream.values) {
        returned++;
        const t = BigInt(ns);
        if (t > lastNs) lastNs = t;
      }
    }
    // A full page may stop in the middle of a nanosecond: the next one starts at it again.
    if (returned < PAGE_ENTRIES || lastNs === startNs) {
      complete = returned < PAGE_ENTRIES;
      break;
    }
    startNs = lastNs;
  }
  const missing = entries.filter((e) => !held.has(logIdOf(e)));
  return { entries: missing, present: entries.length - missing.length, complete };
}

function nanosOf(e: LokiEntry): bigint {
  return BigInt(e.seconds) * 1_000_000_000n + BigInt(e.nanos);
}

function labelOf(e: LokiEntry, name: string): string {
  return e.labels.find((l) => l.name === name)?.value ?? '';
}

function logIdOf(e: LokiEntry): string {
  return e.metadata.find((m) => m.name === 'log_id')?.value ?? '';
}

/** A value inside a LogQL double-quoted string. */
function logqlString(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/"/g, '\\"');
}

/** A literal inside an RE2 expression (label values are sanitized text, not patterns). */
function regexLiteral(text: string): string {
  return text.replace(/[\\.+*?()|[\]{}^$]/g, '\\$&');
}
