import { Agent, request } from 'undici';
import { configFromEnv, parseConfig } from '../../lib/config';
import { lokiConnectionSchema, SINK_LOKI_ENV } from './config';
import { lokiConnectOptions, lokiHeaders, type LokiConnection } from './push-client';

/** A stream of a `streams` result: its labels (structured metadata included) and `[ns, line]` values. */
export interface StreamResult {
  readonly stream: Readonly<Record<string, string>>;
  readonly values: ReadonlyArray<readonly [string, string]>;
}

/** A series of a `matrix` (range metric query) result: `[seconds, "value"]` points. */
export interface MatrixResult {
  readonly metric: Readonly<Record<string, string>>;
  readonly values: ReadonlyArray<readonly [number, string]>;
}

export type QueryRangeData = { readonly resultType: 'streams'; readonly result: readonly StreamResult[] } | { readonly resultType: 'matrix'; readonly result: readonly MatrixResult[] };

/** Loki answered with a status other than 200; `status` 400 means the query itself is wrong. */
export class LokiQueryError extends Error {
  override readonly name = 'LokiQueryError';
  constructor(
    readonly status: number,
    readonly body: string,
  ) {
    super(`Loki answered ${status}: ${body.trim().slice(0, 500)}`);
  }
}

/**
 * The Loki connection of a CLI command: LOKI_URL, LOKI_TENANT_ID, credentials and TLS from the
 * same variables sink-loki reads, with the command's --loki / --tenant on top.
 */
export function lokiConnectionFromEnv(env: NodeJS.ProcessEnv, overrides: { url?: string | undefined; tenantId?: string | undefined }): LokiConnection {
  const raw = configFromEnv(env, SINK_LOKI_ENV.filter((b) => b.key.startsWith('loki.')));
  const loki = { ...((raw.loki as Record<string, unknown> | undefined) ?? {}) };
  if (overrides.url !== undefined) loki.url = overrides.url;
  loki.url ??= 'http://127.0.0.1:3100';
  if (overrides.tenantId !== undefined) loki.tenantId = overrides.tenantId;
  return parseConfig(lokiConnectionSchema, loki, 'Loki connection');
}

/** GETs of Loki's query API (`/loki/api/v1/...`), with the tenant and credential headers. */
export class LokiQueryClient {
  private readonly agent: Agent;
  private readonly headers: Record<string, string>;

  constructor(private readonly loki: LokiConnection) {
    this.agent = new Agent({ connect: lokiConnectOptions(loki) });
    this.headers = lokiHeaders(loki);
  }

  /** `query_range`: LogQL over [startNs, endNs]; log queries return streams, metric queries a matrix. */
  async queryRange(params: { query: string; startNs: bigint; endNs: bigint; limit: number; direction: 'forward' | 'backward'; stepSec?: number }): Promise<QueryRangeData> {
    const search = new URLSearchParams({ query: params.query, start: params.startNs.toString(), end: params.endNs.toString(), limit: String(params.limit), direction: params.direction });
    if (params.stepSec !== undefined) search.set('step', String(params.stepSec));
    return (await this.get<{ data: QueryRangeData }>(`/loki/api/v1/query_range?${search.toString()}`)).data;
  }

  /** Values of one label (`/label/<name>/values`), optionally within the streams a selector matches. */
  async labelValues(name: string, startNs: bigint, endNs: bigint, query?: string): Promise<string[]> {
    const search = new URLSearchParams({ start: startNs.toString(), end: endNs.toString(), ...(query === undefined ? {} : { query }) });
    return (await this.get<{ data?: string[] }>(`/loki/api/v1/label/${encodeURIComponent(name)}/values?${search.toString()}`)).data ?? [];
  }

  /** Label names (`/labels`) seen in the range. */
  async labelNames(startNs: bigint, endNs: bigint, query?: string): Promise<string[]> {
    const search = new URLSearchParams({ start: startNs.toString(), end: endNs.toString(), ...(query === undefined ? {} : { query }) });
    return (await this.get<{ data?: string[] }>(`/loki/api/v1/labels?${search.toString()}`)).data ?? [];
  }

  close(): Promise<void> {
    return this.agent.close();
  }

  private async get<T>(pathAndQuery: string): Promise<T> {
    // Appended, not resolved: a URL with a path (a gateway's /loki prefix) keeps it.
    const res = await request(`${this.loki.url.replace(/\/+$/, '')}${pathAndQuery}`, { method: 'GET', headers: this.headers, dispatcher: this.agent });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new LokiQueryError(res.statusCode, text);
    return JSON.parse(text) as T;
  }
}
