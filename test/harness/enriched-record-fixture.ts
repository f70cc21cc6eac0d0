import type { EnrichedRecord } from '../../services/enricher/enriched-record';

const BASE = Date.parse('2026-11-20T10:00:00Z');

/** An enriched record at `offsetMs` after 2026-11-20T10:00:00Z; fields overridable. */
export function rec(offsetMs: number, over: Partial<EnrichedRecord> = {}, id?: string): EnrichedRecord {
  return {
    timestamp: (BASE + offsetMs) * 1000,
    level: 'INFO',
    message: 'request served',
    service: 'storage-node',
    version: '1.0.0',
    component: 'api',
    node_id: 'node-1',
    trace_id: null,
    span_id: null,
    context: '{}',
    log_id: id ?? `00000000-0000-4000-8000-${String(offsetMs).padStart(12, '0')}`,
    severity: 20,
    size_bytes: null,
    size_category: null,
    client_ip: null,
    ip_class: null,
    geo: null,
    user_agent: null,
    cpu_usage: null,
    memory_usage: null,
    usage_percent: null,
    latency_ms: null,
    response_time_ms: null,
    throughput_ops: null,
    error_type: null,
    warning_type: null,
    tags: [],
    enriched_at: 0,
    enricher_instance: 'test',
    ...over,
  };
}

export const T0 = BASE;
export const SEC = 1_000;
export const MIN = 60_000;
