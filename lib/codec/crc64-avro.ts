/**
 * CRC-64-AVRO (Rabin) fingerprint, as given in the Avro specification
 * ("Schema Fingerprints"): EMPTY = 0xc15d213aa4d7a795, table-driven over bytes.
 * Computed once per schema, so BigInt's cost does not matter.
 */
const EMPTY = 0xc15d213aa4d7a795n;
const MASK64 = 0xffffffffffffffffn;

const TABLE: readonly bigint[] = Array.from({ length: 256 }, (_, i) => {
  let fp = BigInt(i);
  for (let j = 0; j < 8; j++) fp = (fp >> 1n) ^ (EMPTY & (-(fp & 1n) & MASK64));
  return fp;
});

/** The 64-bit fingerprint of `bytes` as an unsigned BigInt. */
export function crc64Avro(bytes: Uint8Array): bigint {
  let fp = EMPTY;
  for (const byte of bytes) fp = (fp >> 8n) ^ (TABLE[Number((fp ^ BigInt(byte)) & 0xffn)] as bigint);
  return fp;
}

/** The fingerprint in the byte order single-object encoding writes it: little-endian. */
export function fingerprintBytes(fingerprint: bigint): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE(fingerprint);
  return out;
}
