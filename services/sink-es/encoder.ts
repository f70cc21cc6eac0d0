import type { EnrichedRecord } from '../enricher/enriched-record';

/** `<prefix>-YYYY.MM.DD` of the record's event time in UTC: a replay lands in the same index. */
export function indexNameFor(prefix: string, timestampMicros: number): string {
  const d = new Date(Math.floor(timestampMicros / 1000));
  const mm = String(d.getUTCMonth() + 1).padStart(2, '0');
  const dd = String(d.getUTCDate()).padStart(2, '0');
  return `${prefix}-${d.getUTCFullYear()}.${mm}.${dd}`;
}

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
  const optional = {
    version: r.version,
    trace_id: r.trace_id,
    span_id: r.span_id,
    size_bytes: r.size_bytes,
    size_category: r.size_category,
    client_ip: r.client_ip,
    ip_class: r.ip_class,
    user_agent: r.user_agent,
    cpu_usage: r.cpu_usage,
    memory_usage: r.memory_usage,
    usage_percent: r.usage_percent,
    latency_ms: r.latency_ms,
    response_time_ms: r.response_time_ms,
    throughput_ops: r.throughput_ops,
    error_type: r.error_type,
    warning_type: r.warning_type,
  };
  for (const [k, v] of Object.entries(optional)) if (v !== null) doc[k] = v;
  if (r.geo !== null) {
    const { lat, lon, ...rest } = r.geo;
    doc.geo = { ...Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== null)), ...(lat !== null && lon !== null ? { location: { lat, lon } } : {}) };
  }
  return doc;
}
