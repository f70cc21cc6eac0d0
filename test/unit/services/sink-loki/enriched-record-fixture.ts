import type { EnrichedRecord } from '../../../../services/enricher/enriched-record';

/** A complete EnrichedRecord with every optional field set; override what a test varies. */
export function enrichedRecord(overrides: Partial<EnrichedRecord> = {}): EnrichedRecord {
  return {
    timestamp: Date.parse('2026-11-20T10:00:00Z') * 1000 + 123_456,
    level: 'ERROR',
    message: 'disk full on volume vol-3',
    service: 'storage-node',
    version: '1.0.0',
    component: 'storage',
    node_id: 'node-3',
    trace_id: '9cda5bb7feba4c018d5847896c2facc0',
    span_id: '5847896c2facc001',
    context: '{"volume":"vol-3","usage_percent":99.5,"nested":{"z":1,"a":[1,"two"]}}',
    log_id: 'b4a8d80e-4ec6-425b-807d-9ac99158d677',
    severity: 40,
    size_bytes: 1024,
    size_category: 'small',
    client_ip: '81.2.69.142',
    ip_class: 'public',
    geo: { country_iso: 'GB', country_name: 'United Kingdom', city: null, lat: 51.5, lon: -0.09, asn: null, as_org: null },
    user_agent: { browser: 'Chrome', browser_version: '126.0', os: null, os_version: null, device_type: 'desktop' },
    cpu_usage: null,
    memory_usage: null,
    usage_percent: 99.5,
    latency_ms: null,
    response_time_ms: null,
    throughput_ops: null,
    error_type: 'disk_full',
    warning_type: null,
    tags: [],
    enriched_at: Date.parse('2026-11-20T10:00:01Z') * 1000,
    enricher_instance: 'enricher-1',
    ...overrides,
  };
}
