import type { EnrichedRecord } from '../enricher/enriched-record';

/** `<prefix>-YYYY.MM.DD` of the record's event time in UTC: a replay lands in the same index. */
export function indexNameFor(prefix: string, timestampMicros: number): string {
  const d = new Date(Math.floor(timestampMicros / 1000));
  const mm = String(d.getUTCMonth() + 1).padStart(2, '0');
  const dd = String(d.getUTCDate()).padStart(2, '0');
  return `${prefix}-${d.getUTCFullYear()}.${mm}.${dd}`;
}

/** Enriched fields that are null when the record has nothing for them: left out of the document. */
const OPTIONAL_FIELDS = [
  'version',
  'trace_id',
  'span_id',
  'size_bytes',
  'size_category',
  'client_ip',
  'ip_class',
  'user_agent',
  'cpu_usage',
  'memory_usage',
  'usage_percent',
  'latency_ms',
  'response_time_ms',
  'throughput_ops',
  'error_type',
  'warning_type',
] as const satisfies ReadonlyArray<keyof EnrichedRecord>;

/** The Elasticsearch document of an enriched record; null fields are left out. */
export function toDocument(r: EnrichedRecord): Record<string, unknown> {
  const doc: Record<string, unknown> = {
    '@timestamp': new Date(Math.floor(r.timestamp / 1000)).toISOString(),
    timestamp_us: r.timestamp,
    level: r.level,
    message: r.message,
    service: r.service,
    component: r.component,
    node_id: r.node_id,
    log_id: r.log_id,
    severity: r.severity,
    context: JSON.parse(r.context) as unknown,
    tags: r.tags,
    enriched_at: new Date(Math.floor(r.enriched_at / 1000)).toISOString(),
    enricher_instance: r.enricher_instance,
  };
  for (const key of OPTIONAL_FIELDS) {
    const value = r[key];
    if (value !== null) doc[key] = value;
  }
  if (r.geo !== null) doc.geo = geoDocument(r.geo);
  return doc;
}

/** Geo fields without the nulls; lat/lon become a geo_point when both are known. */
function geoDocument(geo: NonNullable<EnrichedRecord['geo']>): Record<string, unknown> {
  const { lat, lon, ...rest } = geo;
  return { ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== null)), ...(lat !== null && lon !== null ? { location: { lat, lon } } : {}) };
}
