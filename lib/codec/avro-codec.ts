import type avro from 'avsc';
import { describeValue, LogpipeError } from '../errors';
import { SchemaRegistry, type SchemaVersion } from './schema-registry';
import { HEADER_BYTES, splitFrame } from './single-object-frame';

export interface Decoded<T> {
  /** Full name of the schema the value was read into (the current version). */
  readonly schema: string;
  /** Fingerprint of the version that wrote it. */
  readonly writerFingerprintHex: string;
  readonly value: T;
}

/** Encodes and decodes single-object framed Avro for every schema in one registry. */
export class AvroCodec {
  /** writer fingerprint -> resolver into the current version of the same name. */
  private readonly resolvers = new Map<string, avro.Resolver | null>();

  constructor(readonly registry: SchemaRegistry = SchemaRegistry.fromDirectory()) {}

  /** Header and body are written here first, then copied once into the record's own buffer. */
  private scratch = Buffer.allocUnsafe(64 * 1024);

  /** Writes `value` with the current version of `schemaName`. */
  encode(schemaName: string, value: unknown): Buffer {
    const version = this.registry.current(schemaName);
    let end: number;
    try {
      end = this.encodeIntoScratch(version, value);
      // avsc answers -N when the buffer is N bytes short: grow once and write again.
      if (end < 0) {
        this.scratch = Buffer.allocUnsafe(Math.max(2 * this.scratch.length, this.scratch.length - end));
        end = this.encodeIntoScratch(version, value);
      }
    } catch (cause) {
      throw invalidValue(version, value, cause);
    }
    return Buffer.from(this.scratch.subarray(0, end));
  }

  private encodeIntoScratch(version: SchemaVersion, value: unknown): number {
    version.header.copy(this.scratch, 0);
    return version.type.encode(value, this.scratch, HEADER_BYTES);
  }

  /**
   * Reads a framed record into the current version of its schema. When `expected` is given,
   * a record of another schema is an error (a topic carries one record type).
   */
  decode<T>(bytes: Buffer, expected?: string): Decoded<T> {
    const frame = splitFrame(bytes);
    const writer = this.registry.byFingerprint(frame.fingerprintHex);
    if (writer === undefined) {
      throw new LogpipeError(
        'CODEC_UNKNOWN_FINGERPRINT',
        `unknown writer schema fingerprint ${frame.fingerprintHex}: no version in the schema folder has it (a newer producer, or not a logpipe record)`,
        { context: { field: 'fingerprint', value: frame.fingerprintHex } },
      );
    }
    const reader = this.registry.current(writer.name);
    if (expected !== undefined && reader.name !== this.registry.current(expected).name) {
      throw new LogpipeError('CODEC_UNKNOWN_SCHEMA', `expected a ${expected} record, found ${writer.name}`, {
        context: { field: 'schema', value: writer.name },
      });
    }
    const resolver = this.resolverFor(writer, reader);
    let value: unknown;
    try {
      value = resolver === null ? reader.type.fromBuffer(frame.body) : reader.type.fromBuffer(frame.body, resolver);
    } catch (cause) {
      let message = (cause as Error).message;
      if (/precision loss/i.test(message)) {
        // JavaScript numbers hold integers up to 2^53; Avro longs go to 2^63.
        message = 'it holds a long beyond ±2^53, which JavaScript cannot represent exactly (as a microsecond timestamp: before 1685 or after 2255)';
      }
      const truncated = /truncated/i.test(message);
      throw new LogpipeError(
        truncated ? 'CODEC_TRUNCATED' : 'CODEC_INVALID_BODY',
        truncated
          ? `truncated ${writer.name} body: ${frame.body.length} bytes end before the record does`
          : `invalid ${writer.name} body (${frame.body.length} bytes): ${message}`,
        { cause, context: { field: 'body', value: frame.body.length } },
      );
    }
    return { schema: reader.name, writerFingerprintHex: writer.fingerprintHex, value: value as T };
  }

  private resolverFor(writer: SchemaVersion, reader: SchemaVersion): avro.Resolver | null {
    if (writer === reader) return null;
    let resolver = this.resolvers.get(writer.fingerprintHex);
    if (resolver === undefined) {
      try {
        resolver = reader.type.createResolver(writer.type);
      } catch (cause) {
        throw new LogpipeError('CODEC_SCHEMA_FILE', `${reader.file} cannot read records written with ${writer.file}: ${(cause as Error).message}`, { cause });
      }
      this.resolvers.set(writer.fingerprintHex, resolver);
    }
    return resolver;
  }
}

/** Names the first field avsc rejects, with its value and the type it expected. */
function invalidValue(version: SchemaVersion, value: unknown, cause: unknown): LogpipeError {
  let field = '(record)';
  let bad: unknown = value;
  let expected = version.name;
  version.type.isValid(value, {
    errorHook: (path: string[], v: unknown, type: avro.Type) => {
      if (field !== '(record)') return;
      field = path.join('.') || '(record)';
      bad = v;
      expected = typeName(type);
    },
  });
  if (expected === 'long' && typeof bad === 'number' && Number.isInteger(bad) && !Number.isSafeInteger(bad)) {
    expected = 'a long within ±2^53, the integers JavaScript represents exactly';
  }
  return new LogpipeError('CODEC_INVALID_VALUE', `cannot encode ${version.name}: field ${field} is ${describeValue(bad)}, expected ${expected}`, {
    cause,
    context: { field, value: bad },
  });
}

function typeName(type: avro.Type): string {
  const schema = type.schema() as unknown;
  if (typeof schema === 'string') return schema;
  if (Array.isArray(schema)) return `one of ${JSON.stringify(schema)}`;
  const s = schema as { type?: string; symbols?: string[]; name?: string };
  if (s.type === 'enum' && s.symbols) return `one of ${s.symbols.join(', ')}`;
  return s.name ?? s.type ?? 'a valid value';
}
