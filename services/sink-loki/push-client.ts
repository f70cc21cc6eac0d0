import fs from 'node:fs';
import tls from 'node:tls';
import { Pool } from 'undici';
import type { SinkLokiConfig } from './config';
import type { EncodedPush } from './push-encoder';

export type LokiConnection = SinkLokiConfig['loki'];

export type PushOutcome =
  | { readonly kind: 'response'; readonly status: number; readonly body: string; readonly retryAfter: string | undefined }
  | { readonly kind: 'unreachable'; readonly error: string };

export const PUSH_PATH = '/loki/api/v1/push';

/** Tenant and credential headers of every request to Loki (push and queries). */
export function lokiHeaders(loki: LokiConnection): Record<string, string> {
  const headers: Record<string, string> = {};
  if (loki.tenantId !== undefined) headers['x-scope-orgid'] = loki.tenantId;
  if (loki.bearerToken !== undefined) headers.authorization = `Bearer ${loki.bearerToken}`;
  else if (loki.username !== undefined) headers.authorization = `Basic ${Buffer.from(`${loki.username}:${loki.password ?? ''}`).toString('base64')}`;
  return headers;
}

/** TLS options: a CA file adds to Node's bundled roots (tls `ca` would otherwise replace them). */
export function lokiConnectOptions(loki: LokiConnection): { rejectUnauthorized: boolean; ca?: string[] } {
  if (loki.caFile === undefined) return { rejectUnauthorized: loki.rejectUnauthorized };
  return { rejectUnauthorized: loki.rejectUnauthorized, ca: [...tls.rootCertificates, fs.readFileSync(loki.caFile, 'utf8')] };
}

/**
 * Sends push bodies over a keep-alive undici pool, `connections` at most at once (further
 * requests queue in the pool). Never throws for HTTP or network trouble: the caller
 * classifies the outcome.
 */
export class PushClient {
  private readonly pool: Pool;
  private readonly headers: Record<string, string>;
  /** The push path under the URL's own path, so a gateway prefix (`https://gw/loki`) is kept. */
  private readonly path: string;

  constructor(
    loki: LokiConnection,
    connections: number,
    private readonly timeoutMs: number,
  ) {
    const url = new URL(loki.url);
    this.path = `${url.pathname.replace(/\/+$/, '')}${PUSH_PATH}`;
    this.pool = new Pool(url.origin, { connections, keepAliveTimeout: 30_000, connect: lokiConnectOptions(loki) });
    this.headers = { ...lokiHeaders(loki), 'user-agent': 'logpipe-sink-loki' };
  }

  async push(encoded: EncodedPush): Promise<PushOutcome> {
    try {
      const res = await this.pool.request({
        method: 'POST',
        path: this.path,
        headers: { ...this.headers, 'content-type': encoded.contentType },
        body: encoded.body,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
      // Loki answers 204 with no body; errors are plain text (one line per refused entry).
      const text = await res.body.text();
      const retryAfter = res.headers['retry-after'];
      return { kind: 'response', status: res.statusCode, body: text.slice(0, 4_000), retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter };
    } catch (err) {
      return { kind: 'unreachable', error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
