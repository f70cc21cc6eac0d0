import type { LogRecord } from '../../lib/records';
import type { GeoFields } from './enrichments/geoip-lookup';
import type { SizeCategory } from './enrichments/size-category';
import type { UserAgentFields } from './enrichments/user-agent';

export const ENRICHED_RECORD_SCHEMA = 'io.logpipe.EnrichedRecord';

/** An EnrichedRecord as Avro reads and writes it (schemas/enriched-record.avsc). */
export interface EnrichedRecord extends LogRecord {
  size_bytes: number | null;
  size_category: SizeCategory | null;
  client_ip: string | null;
  ip_class: string | null;
  geo: GeoFields | null;
  user_agent: UserAgentFields | null;
  cpu_usage: number | null;
  memory_usage: number | null;
  usage_percent: number | null;
  latency_ms: number | null;
  response_time_ms: number | null;
  throughput_ops: number | null;
  error_type: string | null;
  warning_type: string | null;
  tags: string[];
  enriched_at: number;
  enricher_instance: string;
}
