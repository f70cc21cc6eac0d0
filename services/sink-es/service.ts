import { Pool } from 'undici';
import type { SinkEsConfig } from './config';

export interface BulkResponseItem {
  readonly status: number;
  readonly error?: { readonly type?: string; readonly reason?: string; readonly caused_by?: { readonly type?: string; readonly reason?: string } };
}

export type BulkOutcome =
  | { readonly kind: 'response'; readonly status: number; readonly items: readonly BulkResponseItem[] }
  | { readonly kind: 'status'; readonly status: number; readonly body: string }
  | { readonly kind: 'unreachable'; readonly error: string };

/** Sends bulk bodies over a keep-alive undici pool; never throws for HTTP or network trouble. */
export class BulkService {
  private readonly pool: Pool;
  private readonly headers: Record<string, string>;

  constructor(config: SinkEsConfig['elasticsearch'], connections: number) {
    this.pool = new Pool(config.url, { connections, keepAliveTimeout: 30_000, connect: { rejectUnauthorized: config.rejectUnauthorized } });
    this.headers = { 'content-type': 'application/x-ndjson' };
    if (config.apiKey !== undefined) this.headers.authorization = `ApiKey ${config.apiKey}`;
    else if (config.username !== undefined) this.headers.authorization = `Basic ${Buffer.from(`${config.username}:${config.password ?? ''}`).toString('base64')}`;
  }

  async send(body: string): Promise<BulkOutcome> {
    try {
      // filter_path keeps the response to what is read: per-item status and error.
      const res = await this.pool.request({ method: 'POST', path: '/_bulk?filter_path=items.*.status,items.*.error', headers: this.headers, body, headersTimeout: 60_000, bodyTimeout: 60_000 });
      const text = await res.body.text();
      if (res.statusCode !== 200) return { kind: 'status', status: res.statusCode, body: text.slice(0, 500) };
      const parsed = JSON.parse(text) as { items?: Array<Record<string, BulkResponseItem>> };
      return { kind: 'response', status: 200, items: (parsed.items ?? []).map((i) => Object.values(i)[0] as BulkResponseItem) };
    } catch (err) {
      return { kind: 'unreachable', error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
