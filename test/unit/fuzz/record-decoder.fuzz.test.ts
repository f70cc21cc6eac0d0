import fc from 'fast-check';
import { AvroCodec } from '../../../lib/codec';
import { readDeadLetterHeaders } from '../../../lib/dead-letter';
import { isLogpipeError } from '../../../lib/errors';
import { LOG_RECORD_SCHEMA } from '../../../lib/records';
import { goodRecord } from '../../corpus/bad-input-corpus';
import { MIN_TIMESTAMP_2000, testEnricher } from '../../harness/test-enricher';

const codec = new AvroCodec();
const processor = testEnricher(codec, { minTimestampMicros: MIN_TIMESTAMP_2000, instanceId: 'fuzz' });
const source = { topic: 'raw', partition: 0, offset: '1' };
const valid = codec.encode(LOG_RECORD_SCHEMA, { ...goodRecord('2b8a4d40-1c8e-4a57-9d43-7f0d6f1d2c11', Date.now() * 1000), context: JSON.stringify({ size_bytes: '1024', client_ip: '89.160.20.128', user_agent: 'curl/8.5.0' }) });

/** A valid record with some bytes overwritten, some cut and some inserted: what a broken writer or disk produces. */
const mutated = fc
  .record({
    writes: fc.array(fc.tuple(fc.nat({ max: valid.length - 1 }), fc.integer({ min: 0, max: 255 })), { maxLength: 6 }),
    cut: fc.option(fc.nat({ max: valid.length }), { nil: undefined }),
    insert: fc.option(fc.tuple(fc.nat({ max: valid.length }), fc.uint8Array({ minLength: 1, maxLength: 12 })), { nil: undefined }),
  })
  .map(({ writes, cut, insert }) => {
    let bytes = Buffer.from(valid);
    for (const [at, byte] of writes) bytes[at] = byte;
    if (insert !== undefined) bytes = Buffer.concat([bytes.subarray(0, insert[0]), Buffer.from(insert[1]), bytes.subarray(insert[0])]);
    return cut === undefined ? bytes : bytes.subarray(0, cut);
  });

/** Single-object header (so decoding gets past the marker and fingerprint) followed by random bytes. */
const randomBody = fc.uint8Array({ maxLength: 200 }).map((body) => Buffer.concat([valid.subarray(0, 10), Buffer.from(body)]));

/** Exactly one output: the enriched record, or a dead letter with a code and a reason. */
function assertOneOutcome(bytes: Buffer): void {
  const { message, outcome } = processor.process(Buffer.from('k'), bytes, source);
  if (outcome === 'enriched') {
    expect(message.topic).toBe('enriched');
    return;
  }
  expect(outcome).toBe('dead_lettered');
  const why = readDeadLetterHeaders(message.headers);
  expect(why.code).toMatch(/^(CODEC|ENRICH)_[A-Z_]+$/);
  expect(why.code).not.toBe('ENRICH_UNEXPECTED');
  expect((why.reason ?? '').length).toBeGreaterThan(10);
  expect(message.value).toEqual(bytes);
}

describe('fuzz: the record decoder and the enricher never crash and never lose a record', () => {
  it('arbitrary bytes: decode throws only LogpipeErrors with a CODEC code', () => {
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b)), randomBody, mutated), (bytes) => {
        try {
          codec.decode(bytes, LOG_RECORD_SCHEMA);
        } catch (err) {
          expect(isLogpipeError(err)).toBe(true);
          expect((err as { code: string }).code).toMatch(/^CODEC_/);
        }
      }),
      { numRuns: 4_000 },
    );
  });

  it('mutated records: one outcome each, dead letters keep the original bytes and say why', () => {
    fc.assert(fc.property(fc.oneof(mutated, randomBody), assertOneOutcome), { numRuns: 4_000 });
  });

  it('arbitrary field values that Avro can carry: enriched or dead-lettered for a named reason', () => {
    const text = fc.oneof(fc.string({ maxLength: 40 }), fc.string({ unit: 'binary', maxLength: 40 }), fc.constantFrom('', ' ', '\u0000', '\uFFFD', '{}', '[]', 'null'));
    const context = fc.oneof(text, fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)), fc.dictionary(fc.constantFrom('size_bytes', 'client_ip', 'user_agent', 'cpu_usage', 'memory_usage', 'usage_percent'), fc.jsonValue({ maxDepth: 2 })).map((o) => JSON.stringify(o)));
    fc.assert(
      fc.property(
        fc.record({ message: text, service: text, component: text, node_id: text, log_id: fc.oneof(fc.uuid(), text), context, timestamp: fc.oneof(fc.integer(), fc.constant(Date.now() * 1000)) }),
        (fields) => assertOneOutcome(codec.encode(LOG_RECORD_SCHEMA, { ...goodRecord('2b8a4d40-1c8e-4a57-9d43-7f0d6f1d2c11', Date.now() * 1000), ...fields })),
      ),
      { numRuns: 3_000 },
    );
  });
});
