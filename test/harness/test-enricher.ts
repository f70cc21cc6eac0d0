import path from 'node:path';
import type { AvroCodec } from '../../lib/codec';
import { GeoIpLookup } from '../../services/enricher/enrichments/geoip-lookup';
import { RecordProcessor } from '../../services/enricher/record-processor';

/** MaxMind's test databases beside the project (../shared/geoip). */
export const GEOIP_TEST_DIR = path.resolve(__dirname, '../../../shared/geoip');

/** The enricher's record processor with the City test database, for tests that need enriched records as the enricher writes them. */
export function testEnricher(codec: AvroCodec): RecordProcessor {
  return new RecordProcessor(codec, GeoIpLookup.open({ cityDb: path.join(GEOIP_TEST_DIR, 'GeoLite2-City-Test.mmdb') }), {
    outputTopic: 'enriched',
    dlqTopic: 'dlq',
    instanceId: 'test',
    passThrough: false,
    limits: { minTimestampMicros: 0, maxFutureSkewMicros: 86_400_000_000 },
  });
}
