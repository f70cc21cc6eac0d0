import fs from 'node:fs';
import path from 'node:path';
import avro from 'avsc';
import { LogpipeError } from '../errors';
import { crc64Avro, fingerprintBytes } from './crc64-avro';
import { MARKER } from './single-object-frame';

/** One version of one schema, ready to write or to be read from. */
export interface SchemaVersion {
  /** Full name, e.g. `io.logpipe.LogRecord`. */
  readonly name: string;
  readonly type: avro.Type;
  /** Parsing Canonical Form (Avro specification), the input of the fingerprint. */
  readonly canonicalForm: string;
  readonly fingerprintHex: string;
  /** Marker + fingerprint: the prefix of every record written with this version. */
  readonly header: Buffer;
  readonly file: string;
  readonly current: boolean;
}

/**
 * The repository's schema folder: current versions at the top, older writer versions in `history/`.
 * Found by walking up from this file, so it is the same folder from the sources and from dist/.
 */
export const DEFAULT_SCHEMA_DIR = findSchemaDir(__dirname);

function findSchemaDir(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'schemas');
    if (fs.existsSync(path.join(candidate, 'log-record.avsc'))) return candidate;
    if (path.dirname(dir) === dir) return path.resolve(start, '..', '..', 'schemas');
  }
}

export class SchemaRegistry {
  private readonly byFingerprintHex = new Map<string, SchemaVersion>();
  private readonly currentByName = new Map<string, SchemaVersion>();

  constructor(versions: readonly SchemaVersion[]) {
    for (const version of versions) {
      const clash = this.byFingerprintHex.get(version.fingerprintHex);
      if (clash !== undefined && clash.canonicalForm !== version.canonicalForm) {
        throw new LogpipeError('CODEC_SCHEMA_FILE', `fingerprint collision between ${clash.file} and ${version.file}`);
      }
      this.byFingerprintHex.set(version.fingerprintHex, version);
      if (version.current) {
        const existing = this.currentByName.get(version.name);
        if (existing !== undefined) {
          throw new LogpipeError('CODEC_SCHEMA_FILE', `two current versions of ${version.name}: ${existing.file} and ${version.file}; move the older one to history/`);
        }
        this.currentByName.set(version.name, version);
      }
    }
  }

  /** Loads `<dir>/*.avsc` as current versions and `<dir>/history/*.avsc` as older ones. */
  static fromDirectory(dir: string = DEFAULT_SCHEMA_DIR): SchemaRegistry {
    const load = (folder: string, current: boolean): SchemaVersion[] =>
      fs.existsSync(folder)
        ? fs
            .readdirSync(folder)
            .filter((f) => f.endsWith('.avsc'))
            .sort()
            .map((f) => schemaVersionFromFile(path.join(folder, f), current))
        : [];
    const current = load(dir, true);
    if (current.length === 0) throw new LogpipeError('CODEC_SCHEMA_FILE', `no .avsc schema files in ${dir}`);
    return new SchemaRegistry([...current, ...load(path.join(dir, 'history'), false)]);
  }

  current(name: string): SchemaVersion {
    const version = this.currentByName.get(name) ?? this.currentByName.get(`io.logpipe.${name}`);
    if (version === undefined) {
      throw new LogpipeError('CODEC_UNKNOWN_SCHEMA', `no schema named ${name}; known: ${[...this.currentByName.keys()].join(', ')}`, {
        context: { field: 'schema', value: name },
      });
    }
    return version;
  }

  byFingerprint(fingerprintHex: string): SchemaVersion | undefined {
    return this.byFingerprintHex.get(fingerprintHex);
  }

  knownFingerprints(): string[] {
    return [...this.byFingerprintHex.keys()];
  }
}

export function schemaVersionFromFile(file: string, current: boolean): SchemaVersion {
  let schema: unknown;
  try {
    schema = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new LogpipeError('CODEC_SCHEMA_FILE', `cannot read schema ${file}: ${(cause as Error).message}`, { cause });
  }
  return schemaVersion(schema, file, current);
}

export function schemaVersion(schema: unknown, file: string, current: boolean): SchemaVersion {
  let type: avro.Type;
  try {
    type = avro.Type.forSchema(schema as avro.Schema);
  } catch (cause) {
    throw new LogpipeError('CODEC_SCHEMA_FILE', `invalid Avro schema in ${file}: ${(cause as Error).message}`, { cause });
  }
  // avsc's schema() with no options is the Parsing Canonical Form (names fully qualified,
  // attributes other than name/type/fields/symbols/items/values/size dropped, in that order).
  const canonicalForm = JSON.stringify(type.schema());
  const fingerprint = fingerprintBytes(crc64Avro(Buffer.from(canonicalForm, 'utf8')));
  return {
    name: type.name ?? canonicalForm,
    type,
    canonicalForm,
    fingerprintHex: fingerprint.toString('hex'),
    header: Buffer.concat([MARKER, fingerprint]),
    file,
    current,
  };
}
