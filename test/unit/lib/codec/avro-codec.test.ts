import path from 'node:path';
import { AvroCodec, SchemaRegistry } from '../../../../lib/codec';
import { isLogpipeError, type ErrorCode } from '../../../../lib/errors';
import { LOG_RECORD_SCHEMA, type LogRecord } from '../../../../lib/records';

const record: LogRecord = {
  timestamp: 1_764_000_000_123_456,
  level: 'ERROR',
  message: 'database connection timeout after 30s',
  service: 'storage-node',
  version: '2.4.1',
  component: 'database',
  node_id: 'node-7',
  trace_id: '4bf92f3577b34da6a3ce929d0e0e4736',
  span_id: '00f067aa0ba902b7',
  context: JSON.stringify({ size_bytes: 2048, client_ip: '81.2.69.142', nested: { ok: true, ratio: 0.5 }, tags: ['a', 'b'] }),
  log_id: '2b8a4d40-1c8e-4a57-9d43-7f0d6f1d2c11',
  severity: 40,
};

function codeOf(fn: () => unknown): ErrorCode | undefined {
  try {
    fn();
  } catch (err) {
    return isLogpipeError(err) ? err.code : undefined;
  }
  return undefined;
}

describe('AvroCodec', () => {
  const codec = new AvroCodec();

  it('round-trips every field of a LogRecord, optional ones set and unset', () => {
    expect(codec.decode<LogRecord>(codec.encode(LOG_RECORD_SCHEMA, record)).value).toEqual(record);
    const minimal = { ...record, version: null, trace_id: null, span_id: null, context: '{}' };
    const decoded = codec.decode<LogRecord>(codec.encode(LOG_RECORD_SCHEMA, minimal), LOG_RECORD_SCHEMA);
    expect(decoded.value).toEqual(minimal);
    expect(decoded.schema).toBe(LOG_RECORD_SCHEMA);
    expect(JSON.parse(decoded.value.context)).toEqual({});
  });

  it('keeps context values typed through the round trip', () => {
    const context = JSON.parse(codec.decode<LogRecord>(codec.encode(LOG_RECORD_SCHEMA, record)).value.context) as Record<string, unknown>;
    expect(context).toEqual({ size_bytes: 2048, client_ip: '81.2.69.142', nested: { ok: true, ratio: 0.5 }, tags: ['a', 'b'] });
    expect(typeof context.size_bytes).toBe('number');
  });

  it('frames with marker C3 01 and the little-endian fingerprint', () => {
    const bytes = codec.encode(LOG_RECORD_SCHEMA, record);
    expect(bytes.subarray(0, 10).toString('hex')).toBe('c3019b2c3c51606341b3');
  });

  it('reads records written with an older version into the newer one (added optional field)', () => {
    const evolved = new AvroCodec(SchemaRegistry.fromDirectory(path.join(__dirname, '../../../fixtures/schemas/evolved')));
    const v1Writer = new AvroCodec(); // the repository's current schema is the fixture's history/v1
    const decoded = evolved.decode<LogRecord & { region: string | null }>(v1Writer.encode(LOG_RECORD_SCHEMA, record));
    expect(decoded.value).toEqual({ ...record, region: null });
    expect(decoded.writerFingerprintHex).toBe('9b2c3c51606341b3');

    const v2 = evolved.encode(LOG_RECORD_SCHEMA, { ...record, region: 'eu-west' });
    expect(evolved.decode<{ region: string }>(v2).value.region).toBe('eu-west');
    // An old reader does not know the new writer: it says so instead of misreading bytes.
    expect(codeOf(() => v1Writer.decode(v2))).toBe('CODEC_UNKNOWN_FINGERPRINT');
  });

  const framed = (): Buffer => codec.encode(LOG_RECORD_SCHEMA, record);
  it.each<[string, () => Buffer, ErrorCode, RegExp]>([
    ['empty bytes', () => Buffer.alloc(0), 'CODEC_BAD_MARKER', /expected marker c301, found nothing/],
    ['plain JSON', () => Buffer.from('{"level":"INFO"}'), 'CODEC_BAD_MARKER', /found 7b22/],
    ['a marker only', () => Buffer.from([0xc3, 0x01, 0x9b]), 'CODEC_TRUNCATED', /3 bytes, expected at least 10/],
    ['an unknown fingerprint', () => Buffer.concat([Buffer.from('c3010102030405060708', 'hex'), Buffer.alloc(4)]), 'CODEC_UNKNOWN_FINGERPRINT', /0102030405060708/],
    ['a body cut short', () => framed().subarray(0, 40), 'CODEC_TRUNCATED', /truncated io\.logpipe\.LogRecord body/],
    ['trailing garbage', () => Buffer.concat([framed(), Buffer.from([1, 2, 3])]), 'CODEC_INVALID_BODY', /invalid io\.logpipe\.LogRecord body/],
  ])('refuses %s with %s', (_case, bytes, code, message) => {
    let error: unknown;
    try {
      codec.decode(bytes());
    } catch (err) {
      error = err;
    }
    expect(isLogpipeError(error, code)).toBe(true);
    expect((error as Error).message).toMatch(message);
  });

  it.each<[string, Partial<Record<keyof LogRecord, unknown>>, string, RegExp]>([
    ['a level outside the enum', { level: 'LOUD' }, 'level', /field level is "LOUD", expected one of DEBUG, INFO, WARNING, ERROR, CRITICAL/],
    ['a missing message', { message: undefined }, 'message', /field message is undefined, expected string/],
    ['a fractional timestamp', { timestamp: 1.5 }, 'timestamp', /field timestamp is 1.5, expected long/],
  ])('names the field when encoding %s', (_case, patch, field, message) => {
    let error: unknown;
    try {
      codec.encode(LOG_RECORD_SCHEMA, { ...record, ...patch });
    } catch (err) {
      error = err;
    }
    expect(isLogpipeError(error, 'CODEC_INVALID_VALUE')).toBe(true);
    expect((error as { context: { field: string } }).context.field).toBe(field);
    expect((error as Error).message).toMatch(message);
  });

  it('refuses an unknown schema name, listing the known ones', () => {
    expect(codeOf(() => codec.encode('io.logpipe.Nope', {}))).toBe('CODEC_UNKNOWN_SCHEMA');
  });
});
