import type { SinkEsConfig } from './config';

/**
 * The composable index template for `<prefix>-*`. Known fields are mapped explicitly;
 * `context` is free-form, so it is fenced in: strings become keywords, numbers doubles
 * (a field first seen as 5 must still take 5.5), new fields beyond the limit are ignored
 * rather than failing the document, malformed values are ignored per field. What ES still
 * refuses (an object where a value was, or the reverse) goes to the dead-letter topic.
 */
export function indexTemplate(config: Pick<SinkEsConfig, 'indexPrefix' | 'shards' | 'replicas' | 'refreshInterval' | 'totalFieldsLimit'>) {
  const keyword = { type: 'keyword' } as const;
  const double = { type: 'double' } as const;
  return {
    name: config.indexPrefix,
    index_patterns: [`${config.indexPrefix}-*`],
    priority: 200,
    _meta: { managed_by: 'logpipe sink-es' },
    template: {
      settings: {
        number_of_shards: config.shards,
        number_of_replicas: config.replicas,
        refresh_interval: config.refreshInterval,
        'mapping.total_fields.limit': config.totalFieldsLimit,
        'mapping.total_fields.ignore_dynamic_beyond_limit': true,
        'mapping.depth.limit': 10,
        'mapping.ignore_malformed': true,
      },
      mappings: {
        dynamic: 'strict',
        properties: {
          '@timestamp': { type: 'date' },
          timestamp_us: { type: 'long' },
          level: keyword,
          message: { type: 'text' },
          service: keyword,
          version: keyword,
          component: keyword,
          node_id: keyword,
          trace_id: keyword,
          span_id: keyword,
          log_id: keyword,
          severity: { type: 'integer' },
          context: {
            type: 'object',
            dynamic: true,
            properties: {},
          },
          size_bytes: { type: 'long' },
          size_category: keyword,
          client_ip: { type: 'ip' },
          ip_class: keyword,
          geo: {
            properties: {
              country_iso: keyword,
              country_name: keyword,
              city: keyword,
              location: { type: 'geo_point' },
              asn: { type: 'long' },
              as_org: keyword,
            },
          },
          user_agent: { properties: { browser: keyword, browser_version: keyword, os: keyword, os_version: keyword, device_type: keyword } },
          cpu_usage: double,
          memory_usage: double,
          usage_percent: double,
          latency_ms: double,
          response_time_ms: double,
          throughput_ops: double,
          error_type: keyword,
          warning_type: keyword,
          tags: keyword,
          enriched_at: { type: 'date' },
          enricher_instance: keyword,
        },
        dynamic_templates: [
          { context_strings: { path_match: 'context.*', match_mapping_type: 'string', mapping: { type: 'keyword', ignore_above: 1024 } } },
          { context_longs: { path_match: 'context.*', match_mapping_type: 'long', mapping: { type: 'double' } } },
          { context_doubles: { path_match: 'context.*', match_mapping_type: 'double', mapping: { type: 'double' } } },
        ],
      },
    },
  };
}
