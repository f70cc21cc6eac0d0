/**
 * Every error code logpipe emits, by area. Closed list: docs/errors.md documents each one
 * and test/unit/lib/errors/error-codes.test.ts keeps the two in sync.
 */
export const ERROR_CODES = [
  // codec: framing and Avro bodies
  'CODEC_BAD_MARKER',
  'CODEC_TRUNCATED',
  'CODEC_UNKNOWN_FINGERPRINT',
  'CODEC_INVALID_BODY',
  'CODEC_INVALID_VALUE',
  'CODEC_UNKNOWN_SCHEMA',
  'CODEC_SCHEMA_FILE',
  // configuration
  'CONFIG_INVALID',
  // producer library
  'PRODUCER_INVALID_RECORD',
  'PRODUCER_CLOSED',
  'PRODUCER_SEND_FAILED',
  // enricher: reasons a record goes to the dead-letter topic, and start-up failures
  'ENRICH_MISSING_FIELD',
  'ENRICH_INVALID_TIMESTAMP',
  'ENRICH_INVALID_LOG_ID',
  'ENRICH_INVALID_CONTEXT',
  'ENRICH_GEOIP_DATABASE',
  'ENRICH_TOO_LARGE',
  'ENRICH_UNEXPECTED',
  // sink-es
  'ESSINK_REJECTED',
  'ESSINK_REQUEST_FAILED',
  // sink-loki
  'LOKISINK_REJECTED',
  'LOKISINK_REQUEST_FAILED',
  // analyzer
  'ANALYZER_RULES_INVALID',
  'ANALYZER_LATE_RECORD',
  // the consume-process-produce loop
  'RUNNER_CONSUMER_CRASHED',
  'RUNNER_KAFKA_UNAVAILABLE',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];
