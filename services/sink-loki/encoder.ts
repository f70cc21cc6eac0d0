import { BoundedCache } from '../../lib/records';
import type { EnrichedRecord } from '../enricher/enriched-record';
import { labelsText, sanitizeLabels, toWellFormed, type LabelPair } from './labels';
import { formatLine, type LineFormat } from './line-format';

/** One Loki entry of one record, with the stream it belongs to. */
export interface LokiEntry {
  /** Position of the record in the batch the sink was given. */
  readonly inputIndex: number;
  /** `{component="api", job="dfs", ...}`: the stream's identity and StreamAdapter.labels. */
  readonly stream: string;
  readonly labels: readonly LabelPair[];
  /** Event time: whole seconds and the nanoseconds within (google.protobuf.Timestamp). */
  readonly seconds: number;
  readonly nanos: number;
  readonly line: string;
  /** High-cardinality identifiers, kept out of the index (Loki structured metadata). */
  readonly metadata: readonly LabelPair[];
  /** Line and metadata bytes plus a per-entry allowance: what request size limits count. */
  readonly bytes: number;
}

export interface EntryOptions {
  readonly job: string;
  readonly lineFormat: LineFormat;
  readonly maxLabelValueBytes: number;
}

/** Protobuf framing of an entry (timestamp, tags, lengths) beyond line and metadata text. */
const ENTRY_OVERHEAD_BYTES = 24;

/** Streams remembered; label sets repeat (nodes x components x levels), so hits are the rule. */
const STREAM_CACHE_ENTRIES = 10_000;

interface StreamOf {
  readonly stream: string;
  readonly labels: readonly LabelPair[];
}

/** The stream labels of a record: the low-cardinality fields only. */
export function streamLabelsOf(r: EnrichedRecord, options: Pick<EntryOptions, 'job' | 'maxLabelValueBytes'>): LabelPair[] {
  return sanitizeLabels({ job: options.job, service: r.service, node_id: r.node_id, component: r.component, level: r.level }, options.maxLabelValueBytes);
}

/** log_id, trace_id and span_id, in that order, those that are set. */
export function structuredMetadataOf(r: EnrichedRecord): LabelPair[] {
  const pairs: LabelPair[] = [{ name: 'log_id', value: toWellFormed(r.log_id) }];
  if (r.trace_id !== null && r.trace_id !== '') pairs.push({ name: 'trace_id', value: toWellFormed(r.trace_id) });
  if (r.span_id !== null && r.span_id !== '') pairs.push({ name: 'span_id', value: toWellFormed(r.span_id) });
  return pairs;
}

/** Record -> entry for one sink's options; remembers the sanitized label sets it has built. */
export class EntryEncoder {
  private readonly streams = new BoundedCache<string, StreamOf>(STREAM_CACHE_ENTRIES);

  constructor(private readonly options: EntryOptions) {}

  encode(inputIndex: number, r: EnrichedRecord): LokiEntry {
    const { stream, labels } = this.streams.getOrCompute(`${r.service}\u0000${r.node_id}\u0000${r.component}\u0000${r.level}`, () => {
      const pairs = streamLabelsOf(r, this.options);
      return { stream: labelsText(pairs), labels: pairs };
    });
    const line = formatLine(r, this.options.lineFormat);
    const metadata = structuredMetadataOf(r);
    // The record holds microseconds; Loki takes nanoseconds. Split before multiplying: µs x 1000 passes 2^53.
    const seconds = Math.floor(r.timestamp / 1_000_000);
    const nanos = (r.timestamp - seconds * 1_000_000) * 1000;
    let bytes = ENTRY_OVERHEAD_BYTES + Buffer.byteLength(line);
    for (const m of metadata) bytes += m.name.length + m.value.length + 4;
    return { inputIndex, stream, labels, seconds, nanos, line, metadata, bytes };
  }
}

/** One record's entry (tests and one-offs; the sink keeps one EntryEncoder). */
export function toLokiEntry(inputIndex: number, r: EnrichedRecord, options: EntryOptions): LokiEntry {
  return new EntryEncoder(options).encode(inputIndex, r);
}

/** Nanoseconds since the epoch as decimal text, as the JSON push API and query results write them. */
export function nanosText(seconds: number, nanos: number): string {
  return seconds === 0 ? String(nanos) : `${seconds}${String(nanos).padStart(9, '0')}`;
}
