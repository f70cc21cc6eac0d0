import type { LokiEntry } from './encoder';
import type { LabelPair } from './labels';

/** One stream of a push request: its labels and its entries in input order. */
export interface PushStream {
  readonly stream: string;
  readonly labels: readonly LabelPair[];
  readonly entries: readonly LokiEntry[];
}

/** A push request before encoding, with the entries it carries and their size. */
export interface PushBatch {
  readonly streams: readonly PushStream[];
  /** Every entry, stream by stream: the order halves are cut from. */
  readonly entries: readonly LokiEntry[];
  readonly bytes: number;
}

/** Groups entries per stream (streams in order of first appearance, entries in input order). */
export function groupByStream(entries: readonly LokiEntry[]): PushBatch {
  const byStream = new Map<string, { labels: readonly LabelPair[]; entries: LokiEntry[] }>();
  let bytes = 0;
  for (const entry of entries) {
    let group = byStream.get(entry.stream);
    if (group === undefined) {
      group = { labels: entry.labels, entries: [] };
      byStream.set(entry.stream, group);
      bytes += entry.stream.length + 8;
    }
    group.entries.push(entry);
    bytes += entry.bytes;
  }
  const streams = [...byStream].map(([stream, g]) => ({ stream, labels: g.labels, entries: g.entries }));
  return { streams, entries: streams.flatMap((s) => s.entries), bytes };
}

/**
 * Cuts entries into push requests of at most `maxBytes` (at least one entry each), each
 * grouped per stream. Entries are taken in input order, so a request holds neighbours.
 */
export function buildPushBatches(entries: readonly LokiEntry[], maxBytes: number): PushBatch[] {
  const batches: PushBatch[] = [];
  let current: LokiEntry[] = [];
  let bytes = 0;
  const streams = new Set<string>();
  for (const entry of entries) {
    const added = entry.bytes + (streams.has(entry.stream) ? 0 : entry.stream.length + 8);
    if (current.length > 0 && bytes + added > maxBytes) {
      batches.push(groupByStream(current));
      current = [];
      bytes = 0;
      streams.clear();
    }
    current.push(entry);
    bytes += entry.bytes + (streams.has(entry.stream) ? 0 : entry.stream.length + 8);
    streams.add(entry.stream);
  }
  if (current.length > 0) batches.push(groupByStream(current));
  return batches;
}

/**
 * Two halves of a request Loki refused with 400. A 400 covers the whole push (Loki writes the
 * valid entries and names the bad ones only in prose), so halving until a refused request
 * holds one entry isolates the bad ones; the good ones are pushed again, which Loki drops as
 * identical entries.
 */
export function splitBatch(batch: PushBatch): [PushBatch, PushBatch] {
  const middle = Math.ceil(batch.entries.length / 2);
  return [groupByStream(batch.entries.slice(0, middle)), groupByStream(batch.entries.slice(middle))];
}
