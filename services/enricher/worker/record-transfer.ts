import type { IHeaders } from 'kafkajs';

/**
 * Many small byte strings as one buffer and their lengths (-1: null), so a batch crosses to a
 * worker thread as two transferable buffers. Posting the Buffers themselves would copy each
 * one's whole backing store: kafkajs's values are slices of its fetch response.
 */
export interface PackedValues {
  readonly bytes: Uint8Array;
  readonly lengths: Int32Array;
}

export function packValues(values: ReadonlyArray<Buffer | Uint8Array | null>): PackedValues {
  const lengths = new Int32Array(values.length);
  let total = 0;
  values.forEach((v, i) => {
    lengths[i] = v === null ? -1 : v.length;
    total += v === null ? 0 : v.length;
  });
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const v of values) {
    if (v === null) continue;
    bytes.set(v, at);
    at += v.length;
  }
  return { bytes, lengths };
}

/** The values again, as Buffers that share the packed bytes (no copy). */
export function unpackValues(packed: PackedValues): Array<Buffer | null> {
  const out: Array<Buffer | null> = new Array(packed.lengths.length);
  let at = 0;
  for (let i = 0; i < packed.lengths.length; i++) {
    const length = packed.lengths[i] as number;
    if (length < 0) {
      out[i] = null;
      continue;
    }
    out[i] = Buffer.from(packed.bytes.buffer, packed.bytes.byteOffset + at, length);
    at += length;
  }
  return out;
}

/** What to move rather than copy when posting `packed` (its bytes are a fresh, unshared allocation). */
export function transferList(...packed: PackedValues[]): ArrayBuffer[] {
  return packed.flatMap((p) => [p.bytes.buffer as ArrayBuffer, p.lengths.buffer as ArrayBuffer]);
}

/** One partition batch for the worker: the values with the position of the first. */
export interface EnrichRequest {
  readonly id: number;
  readonly topic: string;
  readonly partition: number;
  readonly offsets: readonly string[];
  readonly values: PackedValues;
}

export const OUTCOME_CODES = ['enriched', 'dead_lettered', 'passed_through'] as const;

/**
 * The worker's answer, record for record: the outcome; the output value (null for a dead
 * letter); the dead-letter headers of those dead-lettered. Key and, for a dead letter, the
 * value are the input's, which the main thread still holds.
 */
export type EnrichReply =
  | {
      readonly id: number;
      readonly outcomes: Uint8Array;
      readonly outputs: PackedValues;
      readonly deadLetterHeaders: ReadonlyArray<readonly [number, IHeaders]>;
    }
  | { readonly id: number; readonly error: string };
