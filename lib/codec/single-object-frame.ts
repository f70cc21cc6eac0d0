import { LogpipeError } from '../errors';

/**
 * Avro single-object encoding (Avro specification, "Single-object encoding"):
 *   2-byte marker C3 01 | 8-byte little-endian CRC-64-AVRO fingerprint of the writer
 *   schema's Parsing Canonical Form | the Avro binary body.
 */
export const MARKER = Buffer.from([0xc3, 0x01]);
export const HEADER_BYTES = MARKER.length + 8;

export interface Frame {
  /** Hex of the 8 fingerprint bytes as they appear on the wire. */
  readonly fingerprintHex: string;
  readonly body: Buffer;
}

export function splitFrame(bytes: Buffer): Frame {
  if (bytes.length < MARKER.length || bytes[0] !== MARKER[0] || bytes[1] !== MARKER[1]) {
    const seen = bytes.subarray(0, 2).toString('hex') || 'nothing';
    throw new LogpipeError(
      'CODEC_BAD_MARKER',
      `not an Avro single-object record: expected marker c301, found ${seen} (${bytes.length} bytes in all)`,
      { context: { field: 'marker', value: seen } },
    );
  }
  if (bytes.length < HEADER_BYTES) {
    throw new LogpipeError(
      'CODEC_TRUNCATED',
      `truncated Avro single-object header: ${bytes.length} bytes, expected at least ${HEADER_BYTES} (marker and 8-byte fingerprint)`,
      { context: { field: 'fingerprint', value: bytes.length } },
    );
  }
  return { fingerprintHex: bytes.toString('hex', MARKER.length, HEADER_BYTES), body: bytes.subarray(HEADER_BYTES) };
}
