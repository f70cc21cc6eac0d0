import path from 'node:path';
import { GEOIP_TEST_DIR } from '../../../harness/test-enricher';
import { AvroCodec } from '../../../../lib/codec';
import { readDeadLetterHeaders } from '../../../../lib/dead-letter';
import { LOG_RECORD_SCHEMA, type LogRecord } from '../../../../lib/records';
import { ENRICHED_RECORD_SCHEMA, type EnrichedRecord } from '../../../../services/enricher/enriched-record';
import { GeoIpLookup } from '../../../../services/enricher/enrichments/geoip-lookup';
import { RecordProcessor } from '../../../../services/enricher/record-processor';

const codec = new AvroCodec();
const geoip = GeoIpLookup.open({ cityDb: path.join(GEOIP_TEST_DIR, 'GeoLite2-City-Test.mmdb'), asnDb: path.join(GEOIP_TEST_DIR, 'GeoLite2-ASN-Test.mmdb') });
const settings = {
  outputTopic: 'out',
  dlqTopic: 'dlq',
  instanceId: 'test-1',
  passThrough: false,
  limits: { minTimestampMicros: Date.parse('2000-01-01T00:00:00Z') * 1000, maxFutureSkewMicros: 86_400_000_000 },
};
const processor = new RecordProcessor(codec, geoip, settings);
const source = { topic: 'raw', partition: 2, offset: '41' };
const key = Buffer.from('node-7');

const good: LogRecord = {
  timestamp: Date.now() * 1000,
  level: 'ERROR',
  message: 'database connection timeout, latency: 45ms, response_time: 65ms, throughput: 1200 ops/sec',
  service: 'storage-node',
  version: '2.0.0',
  component: 'database',
  node_id: 'node-7',
  trace_id: null,
  span_id: null,
  context: JSON.stringify({ size_bytes: '5242880', client_ip: '89.160.20.128', user_agent: 'curl/8.5.0', cpu_usage: '45.5', memory_usage: 'n/a' }),
  log_id: '2b8a4d40-1c8e-4a57-9d43-7f0d6f1d2c11',
  severity: 40,
};

function dlq(bytes: Buffer | null) {
  const { message, outcome } = processor.process(key, bytes, source);
  expect(outcome).toBe('dead_lettered');
  expect(message.topic).toBe('dlq');
  expect(message.key).toBe(key);
  expect(message.value).toEqual(bytes ?? Buffer.alloc(0)); // the original bytes, untouched
  return readDeadLetterHeaders(message.headers);
}

describe('RecordProcessor', () => {
  it('enriches a good record, keeping its key and every original field', () => {
    const { message, outcome } = processor.process(key, codec.encode(LOG_RECORD_SCHEMA, good), source);
    expect(outcome).toBe('enriched');
    expect([message.topic, message.key]).toEqual(['out', key]);
    const enriched = codec.decode<EnrichedRecord>(message.value, ENRICHED_RECORD_SCHEMA).value;
    expect(enriched).toMatchObject({
      ...good,
      size_bytes: 5_242_880,
      size_category: 'medium',
      client_ip: '89.160.20.128',
      ip_class: 'public',
      geo: { country_iso: 'SE', country_name: 'Sweden', city: 'Linköping', lat: 58.4167, lon: 15.6167, asn: 29518, as_org: 'Bredband2 AB' },
      user_agent: { device_type: 'bot' },
      cpu_usage: 45.5,
      memory_usage: null,
      usage_percent: null,
      latency_ms: 45,
      response_time_ms: 65,
      throughput_ops: 1200,
      error_type: 'timeout',
      warning_type: null,
      tags: ['memory_usage_not_numeric'],
      enricher_instance: 'test-1',
    });
    expect(enriched.enriched_at).toBeGreaterThanOrEqual(good.timestamp);
  });

  it('tags a malformed or private client_ip instead of failing', () => {
    const withIp = (ip: string) =>
      codec.decode<EnrichedRecord>(processor.process(key, codec.encode(LOG_RECORD_SCHEMA, { ...good, context: JSON.stringify({ client_ip: ip }) }), source).message.value).value;
    expect(withIp('999.1.1.1')).toMatchObject({ client_ip: null, ip_class: 'invalid', geo: null, tags: ['client_ip_malformed'] });
    expect(withIp('192.168.1.20')).toMatchObject({ client_ip: '192.168.1.20', ip_class: 'private', geo: null, tags: [] });
    expect(withIp('8.8.8.8')).toMatchObject({ ip_class: 'public', geo: null, tags: ['geoip_not_found'] });
  });

  const encoded = (patch: Partial<LogRecord>) => codec.encode(LOG_RECORD_SCHEMA, { ...good, ...patch });
  it.each<[string, () => Buffer | null, string, string, RegExp]>([
    ['bytes that are not Avro', () => Buffer.from('{"level":"INFO"}'), 'decode', 'CODEC_BAD_MARKER', /expected marker c301/],
    ['an unknown schema fingerprint', () => Buffer.from('c3010102030405060708aa', 'hex'), 'decode', 'CODEC_UNKNOWN_FINGERPRINT', /0102030405060708/],
    ['truncated Avro', () => encoded({}).subarray(0, 30), 'decode', 'CODEC_TRUNCATED', /truncated/],
    ['a tombstone', () => null, 'decode', 'CODEC_INVALID_BODY', /no value/],
    ['an empty message', () => encoded({ message: '' }), 'validate', 'ENRICH_MISSING_FIELD', /^message is "", expected a non-empty string$/],
    ['a blank component', () => encoded({ component: '  ' }), 'validate', 'ENRICH_MISSING_FIELD', /^component is "  "/],
    ['year 1900', () => encoded({ timestamp: Date.parse('1900-01-01T00:00:00Z') * 1000 }), 'validate', 'ENRICH_INVALID_TIMESTAMP', /timestamp is -2208988800000000 \(1900-01-01T00:00:00.000Z\), expected microseconds between 2000/],
    ['the far future', () => encoded({ timestamp: Date.parse('2200-01-01T00:00:00Z') * 1000 }), 'validate', 'ENRICH_INVALID_TIMESTAMP', /\(2200-01-01T00:00:00.000Z\)/],
    ['a timestamp in seconds', () => encoded({ timestamp: 1_764_000_000 }), 'validate', 'ENRICH_INVALID_TIMESTAMP', /timestamp is 1764000000 \(1970-01-01/],
    ['a log_id that is no UUID', () => encoded({ log_id: 'abc' }), 'validate', 'ENRICH_INVALID_LOG_ID', /^log_id is "abc", expected a UUID$/],
    ['context that is not JSON', () => encoded({ context: '{oops' }), 'validate', 'ENRICH_INVALID_CONTEXT', /^context is "\{oops", expected JSON text of an object/],
    ['context that is an array', () => encoded({ context: '[1]' }), 'validate', 'ENRICH_INVALID_CONTEXT', /^context is "\[1\]", expected a JSON object$/],
  ])('dead-letters %s with stage, code, reason and source', (_case, bytes, stage, code, reason) => {
    const headers = dlq(bytes());
    expect(headers).toMatchObject({ stage, code, sourceTopic: 'raw', sourcePartition: '2', sourceOffset: '41', instance: 'test-1' });
    expect(headers.reason).toMatch(reason);
    expect(Date.parse(headers.time ?? '')).toBeGreaterThan(Date.now() - 60_000);
  });

  it('pass-through forwards the bytes unchanged without decoding', () => {
    const passing = new RecordProcessor(codec, geoip, { ...settings, passThrough: true });
    const garbage = Buffer.from('not even avro');
    expect(passing.process(key, garbage, source)).toEqual({ message: { topic: 'out', key, value: garbage }, outcome: 'passed_through' });
  });
});
