import { crc64Avro } from '../../../../lib/codec';
import { SchemaRegistry } from '../../../../lib/codec';

// Reference values printed by Apache Avro's Java implementation (avro 1.12.0,
// SchemaNormalization.parsingFingerprint64), as signed longs.
const JAVA_REFERENCE: Array<[string, string]> = [
  ['"null"', '7195948357588979594'],
  ['"int"', '8247732601305521295'],
  ['"string"', '-8142146995180207161'],
];

describe('crc64Avro', () => {
  it.each(JAVA_REFERENCE)('fingerprints %s as Avro Java does', (canonical, expected) => {
    expect(BigInt.asIntN(64, crc64Avro(Buffer.from(canonical))).toString()).toBe(expected);
  });

  it('gives schemas/log-record.avsc the fingerprint Avro Java computes from the same file', () => {
    const version = SchemaRegistry.fromDirectory().current('io.logpipe.LogRecord');
    // Java: -5530029602103350117; on the wire little-endian: 9b2c3c51606341b3.
    expect(version.fingerprintHex).toBe('9b2c3c51606341b3');
    expect(version.header.toString('hex')).toBe('c3019b2c3c51606341b3');
  });
});
