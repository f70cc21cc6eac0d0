import type { EnrichedRecord } from '../enricher/enriched-record';

export type LineFormat = 'json' | 'logfmt';

/**
 * The log line of a record. Loki drops a pushed entry only when timestamp, line and
 * structured metadata all equal an entry it holds, so a replay must rebuild the line byte
 * for byte. The line is a function of the record's bytes alone: fields in a fixed order,
 * context as the record carries it (the enricher validated it as a JSON object and passes its
 * text through unchanged, so a replay carries the same text), and nothing that depends on when
 * or where the record was processed (enriched_at, enricher_instance, Kafka offsets).
 * Fields that are stream labels (service, node_id, component) or structured metadata
 * (log_id, trace_id, span_id) are not repeated; level is, since readers expect it in the line.
 */
export function formatLine(record: EnrichedRecord, format: LineFormat): string {
  return format === 'json' ? jsonLine(record) : logfmt(lineFields(record));
}

/**
 * The JSON line, written as text: JSON.stringify of an assembled object costs twice as much,
 * and the context needs no parse-and-stringify round trip when it is already one line.
 */
function jsonLine(r: EnrichedRecord): string {
  let out = `{"timestamp":"${isoMicros(r.timestamp)}","level":"${r.level}","message":${JSON.stringify(r.message)}`;
  if (r.version !== null) out += `,"version":${JSON.stringify(r.version)}`;
  const context = compactContext(r.context);
  if (context !== undefined) out += `,"context":${context}`;
  // The same fields and order as enrichments(), written without building pairs: this is per entry.
  if (r.size_bytes !== null) out += `,"size_bytes":${r.size_bytes}`;
  if (r.size_category !== null) out += `,"size_category":"${r.size_category}"`;
  if (r.client_ip !== null) out += `,"client_ip":${JSON.stringify(r.client_ip)}`;
  if (r.ip_class !== null) out += `,"ip_class":${JSON.stringify(r.ip_class)}`;
  const geo = objectWithoutNulls(r.geo, GEO_FIELDS);
  if (geo !== undefined) out += `,"geo":${geo}`;
  const userAgent = objectWithoutNulls(r.user_agent, USER_AGENT_FIELDS);
  if (userAgent !== undefined) out += `,"user_agent":${userAgent}`;
  for (const key of NUMBER_FIELDS) {
    const value = r[key];
    if (value !== null) out += `,"${key}":${JSON.stringify(value)}`;
  }
  if (r.error_type !== null) out += `,"error_type":${JSON.stringify(r.error_type)}`;
  if (r.warning_type !== null) out += `,"warning_type":${JSON.stringify(r.warning_type)}`;
  if (r.tags.length > 0) out += `,"tags":${JSON.stringify(r.tags)}`;
  return `${out}}`;
}

const NUMBER_FIELDS = ['cpu_usage', 'memory_usage', 'usage_percent', 'latency_ms', 'response_time_ms', 'throughput_ops'] as const;
const GEO_FIELDS = ['country_iso', 'country_name', 'city', 'lat', 'lon', 'asn', 'as_org'] as const;
const USER_AGENT_FIELDS = ['browser', 'browser_version', 'os', 'os_version', 'device_type'] as const;

/**
 * `{"k":v,...}` of the non-null fields named (in schema order), undefined when none is set.
 * Named, not enumerated: Object.keys on avsc's record instances was 5% of the sink's CPU.
 */
function objectWithoutNulls<T extends object>(value: T | null, keys: ReadonlyArray<keyof T & string>): string | undefined {
  if (value === null) return undefined;
  let out = '';
  for (const key of keys) {
    const v = value[key];
    if (v !== null && v !== undefined) out += `${out === '' ? '{' : ','}"${key}":${JSON.stringify(v)}`;
  }
  return out === '' ? undefined : `${out}}`;
}

/** The line's fields in their fixed order; null and empty values left out. */
export function lineFields(r: EnrichedRecord): Record<string, unknown> {
  const fields: Record<string, unknown> = { timestamp: isoMicros(r.timestamp), level: r.level, message: r.message };
  if (r.version !== null) fields.version = r.version;
  const context = parseContext(r.context);
  if (context !== null && typeof context === 'object' && Object.keys(context).length > 0) fields.context = context;
  for (const [key, value] of enrichments(r)) fields[key] = value;
  return fields;
}

/** The enricher's fields, in schema order, those that are set. */
function enrichments(r: EnrichedRecord): Array<[string, unknown]> {
  const all: Array<[string, unknown]> = [
    ['size_bytes', r.size_bytes],
    ['size_category', r.size_category],
    ['client_ip', r.client_ip],
    ['ip_class', r.ip_class],
    ['geo', withoutNulls(r.geo)],
    ['user_agent', withoutNulls(r.user_agent)],
    ['cpu_usage', r.cpu_usage],
    ['memory_usage', r.memory_usage],
    ['usage_percent', r.usage_percent],
    ['latency_ms', r.latency_ms],
    ['response_time_ms', r.response_time_ms],
    ['throughput_ops', r.throughput_ops],
    ['error_type', r.error_type],
    ['warning_type', r.warning_type],
    ['tags', r.tags.length > 0 ? r.tags : null],
  ];
  return all.filter(([, value]) => value !== null);
}

let lastSecond = Number.NaN;
let lastSecondText = '';

/** Microseconds since the epoch -> `2026-11-20T10:00:00.123456Z` (the event time at full precision). */
export function isoMicros(timestampMicros: number): string {
  const second = Math.floor(timestampMicros / 1_000_000);
  // Neighbouring records share their second: format it once.
  if (second !== lastSecond) {
    lastSecond = second;
    lastSecondText = new Date(second * 1000).toISOString().slice(0, 19);
  }
  return `${lastSecondText}.${String(timestampMicros - second * 1_000_000).padStart(6, '0')}Z`;
}

/**
 * Context text for the JSON line: undefined when empty; as it is when it is one line (the
 * producer writes JSON.stringify output); re-serialized when it spans lines (a hand-written
 * file) or is not JSON at all (which the enricher refuses; kept as text rather than lost).
 */
export function compactContext(text: string): string | undefined {
  if (text === '{}' || text === '') return undefined;
  if (!/[\n\r\u2028\u2029]/.test(text)) return text;
  const parsed = parseContext(text);
  return parsed !== null && typeof parsed === 'object' && Object.keys(parsed).length === 0 ? undefined : JSON.stringify(parsed);
}

function parseContext(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return { _raw: text };
  }
}

function withoutNulls(value: object | null): Record<string, unknown> | null {
  if (value === null) return null;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) if (v !== null) out[k] = v;
  return Object.keys(out).length > 0 ? out : null;
}

/**
 * logfmt (as LogQL's `| logfmt` and go-logfmt read it): nested objects flattened to dotted
 * keys, arrays as their JSON text, values quoted with JSON escapes when they hold a space,
 * `=`, a quote, a backslash or a control character, or are empty.
 */
export function logfmt(fields: Readonly<Record<string, unknown>>): string {
  const parts: string[] = [];
  const visit = (prefix: string, value: unknown): void => {
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
      const entries = Object.entries(value);
      if (entries.length === 0) parts.push(`${prefix}=`);
      for (const [k, v] of entries) visit(`${prefix}.${logfmtKey(k)}`, v);
      return;
    }
    parts.push(`${prefix}=${logfmtValue(value)}`);
  };
  for (const [key, value] of Object.entries(fields)) visit(logfmtKey(key), value);
  return parts.join(' ');
}

function logfmtKey(key: string): string {
  const clean = key.replace(/[\s="\\\x00-\x1f]/g, '_');
  return clean === '' ? '_' : clean;
}

function logfmtValue(value: unknown): string {
  const text = value === null ? '' : typeof value === 'string' ? value : Array.isArray(value) ? JSON.stringify(value) : String(value);
  return text === '' || /[\s="\\\x00-\x1f\x7f]/.test(text) ? JSON.stringify(text) : text;
}
