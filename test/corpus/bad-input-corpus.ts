import fs from 'node:fs';
import path from 'node:path';
import type { AvroCodec } from '../../lib/codec';
import { LOG_RECORD_SCHEMA, type LogRecord } from '../../lib/records';
import { ENRICHED_RECORD_SCHEMA, type EnrichedRecord } from '../../services/enricher/enriched-record';

/** How a case's bytes are made from a good record (test/corpus/bad-input/*.json, `input`). */
export interface CorpusInput {
  /** The bytes as published, hex; nothing else applies. */
  readonly hex?: string;
  /** A null value. */
  readonly tombstone?: boolean;
  /** Fields replacing the good record's. */
  readonly record?: Partial<LogRecord>;
  /** JSON.stringify'd into `context`. */
  readonly context?: unknown;
  /** `context` verbatim. */
  readonly contextText?: string;
  readonly timestampIso?: string;
  /** A timestamp beyond 2^53, written as a writer with 64-bit longs would. */
  readonly timestamp64?: string;
  /** A value too large to commit as JSON: `repeat` (message of `size` bytes), `keys`, `nested` or `padding` (context). */
  readonly generate?: { readonly field: 'message' | 'context'; readonly kind: 'repeat' | 'keys' | 'nested' | 'padding'; readonly size: number };
  /** The enum index written for `level`. */
  readonly levelIndex?: number;
  /** Keep only the first N bytes of the encoded record. */
  readonly truncateBytes?: number;
  readonly appendHex?: string;
  /** Overwrite the field's first two bytes with 0xff 0xfe. */
  readonly corruptUtf8?: 'message';
}

export type CorpusExpectation =
  | { readonly outcome: 'dead_lettered'; readonly stage: string; readonly code: string; readonly reason: string }
  | { readonly outcome: 'enriched'; readonly tags: readonly string[]; readonly fields?: Readonly<Record<string, unknown>> };

export interface CorpusCase {
  readonly name: string;
  readonly description: string;
  readonly input: CorpusInput;
  readonly expect: CorpusExpectation;
}

export const CORPUS_DIR = path.join(__dirname, 'bad-input');

export function loadBadInputCorpus(): CorpusCase[] {
  return fs
    .readdirSync(CORPUS_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({ name: f.replace(/\.json$/, ''), ...(JSON.parse(fs.readFileSync(path.join(CORPUS_DIR, f), 'utf8')) as Omit<CorpusCase, 'name'>) }));
}

/** Checks one processed case against its expectation (jest's expect: for the unit and the Kafka test). */
export function expectOutcome(codec: AvroCodec, expected: CorpusExpectation, actual: { outcome: string; value: Buffer | null; headers: Record<string, string | undefined> }): void {
  expect(actual.outcome).toBe(expected.outcome);
  if (expected.outcome === 'dead_lettered') {
    expect(actual.headers).toMatchObject({ stage: expected.stage, code: expected.code });
    expect(actual.headers.reason).toMatch(new RegExp(expected.reason));
    return;
  }
  const record = codec.decode<EnrichedRecord>(actual.value as Buffer, ENRICHED_RECORD_SCHEMA).value;
  expect(record.tags).toEqual(expected.tags);
  const { messageBytes, ...fields } = expected.fields ?? {};
  if (messageBytes !== undefined) expect(Buffer.byteLength(record.message)).toBe(messageBytes);
  expect(record).toMatchObject(fields);
}

/** A record every stage accepts without a tag; cases start from it. */
export function goodRecord(logId: string, nowMicros: number): LogRecord {
  return {
    timestamp: nowMicros,
    level: 'INFO',
    message: 'file read ok: /data/bucket-1/obj-1',
    service: 'storage-node',
    version: '1.0.0',
    component: 'storage',
    node_id: 'node-corpus',
    trace_id: null,
    span_id: null,
    context: '{}',
    log_id: logId,
    severity: 20,
  };
}

/** The value a case publishes (null: a tombstone). */
export function corpusBytes(codec: AvroCodec, input: CorpusInput, base: LogRecord): Buffer | null {
  if (input.tombstone === true) return null;
  if (input.hex !== undefined) return Buffer.from(input.hex, 'hex');
  const record: LogRecord = { ...base, ...input.record };
  if (input.context !== undefined) record.context = JSON.stringify(input.context);
  if (input.contextText !== undefined) record.context = input.contextText;
  if (input.timestampIso !== undefined) record.timestamp = Date.parse(input.timestampIso) * 1000;
  if (input.generate !== undefined) {
    const { field, kind, size } = input.generate;
    if (field === 'message') record.message = 'x'.repeat(size);
    else if (kind === 'keys') record.context = JSON.stringify(Object.fromEntries(Array.from({ length: size }, (_, i) => [`k${i}`, i])));
    else if (kind === 'nested') record.context = `${'{"a":'.repeat(size)}1${'}'.repeat(size)}`;
    else record.context = JSON.stringify({ padding: 'p'.repeat(size - 14) });
  }
  if (input.corruptUtf8 === 'message') record.message = `AA${record.message}`;
  let bytes = codec.encode(LOG_RECORD_SCHEMA, record);
  if (input.corruptUtf8 === 'message') {
    const at = bytes.indexOf(Buffer.from(record.message));
    bytes[at] = 0xff;
    bytes[at + 1] = 0xfe;
  }
  // The timestamp is the first field, a zig-zag varint after the 10-byte single-object header; level the second.
  const timestampEnd = varintEnd(bytes, 10);
  if (input.timestamp64 !== undefined) bytes = Buffer.concat([bytes.subarray(0, 10), zigzagVarint(BigInt(input.timestamp64)), bytes.subarray(timestampEnd)]);
  if (input.levelIndex !== undefined) {
    const at = varintEnd(bytes, 10);
    bytes = Buffer.concat([bytes.subarray(0, at), zigzagVarint(BigInt(input.levelIndex)), bytes.subarray(varintEnd(bytes, at))]);
  }
  if (input.truncateBytes !== undefined) bytes = bytes.subarray(0, input.truncateBytes);
  if (input.appendHex !== undefined) bytes = Buffer.concat([bytes, Buffer.from(input.appendHex, 'hex')]);
  return bytes;
}

/** The offset just past the varint starting at `from`. */
function varintEnd(bytes: Buffer, from: number): number {
  let end = from;
  while (((bytes[end] as number) & 0x80) !== 0) end++;
  return end + 1;
}

function zigzagVarint(value: bigint): Buffer {
  let zigzag = value >= 0n ? value << 1n : (-value << 1n) - 1n;
  const out: number[] = [];
  do {
    let byte = Number(zigzag & 0x7fn);
    zigzag >>= 7n;
    if (zigzag > 0n) byte |= 0x80;
    out.push(byte);
  } while (zigzag > 0n);
  return Buffer.from(out);
}
