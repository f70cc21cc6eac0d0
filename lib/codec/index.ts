export { AvroCodec, type Decoded } from './avro-codec';
export { SchemaRegistry, DEFAULT_SCHEMA_DIR, schemaVersion, schemaVersionFromFile, type SchemaVersion } from './schema-registry';
export { crc64Avro } from './crc64-avro';
export { MARKER, HEADER_BYTES } from './single-object-frame';
