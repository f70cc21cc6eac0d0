import path from 'node:path';
import type { AvroCodec } from '../../lib/codec';
import { GeoIpLookup } from '../../services/enricher/enrichments/geoip-lookup';
import { RecordProcessor } from '../../services/enricher/record-processor';

/** MaxMind's official test databases (MIT), kept in the repository so a clone anywhere can run the tests. */
export const GEOIP_TEST_DIR = path.resolve(__dirname, '../fixtures/geoip');

/** The enricher's default earliest event time, 2000-01-01, in microseconds. */
export const MIN_TIMESTAMP_2000 = Date.parse('2000-01-01T00:00:00Z') * 1000;

/**
 * The enricher's record processor with the City test database, for tests that need enriched
 * records as the enricher writes them. `minTimestampMicros` 0 admits fixtures of any date.
 */
export function testEnricher(codec: AvroCodec, options: { minTimestampMicros?: number; instanceId?: string } = {}): RecordProcessor {
  return new RecordProcessor(codec, GeoIpLookup.open({ cityDb: path.join(GEOIP_TEST_DIR, 'GeoLite2-City-Test.mmdb') }), {
    outputTopic: 'enriched',
    dlqTopic: 'dlq',
    instanceId: options.instanceId ?? 'test',
    passThrough: false,
    limits: { minTimestampMicros: options.minTimestampMicros ?? 0, maxFutureSkewMicros: 86_400_000_000 },
  });
}
