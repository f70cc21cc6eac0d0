import { request } from 'undici';

/** GETs a local URL and returns status and body, or undefined when nothing answers. */
export async function httpGet(url: string, timeoutMs = 2_000): Promise<{ status: number; body: string } | undefined> {
  try {
    const res = await request(url, { method: 'GET', headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
    return { status: res.statusCode, body: await res.body.text() };
  } catch {
    return undefined;
  }
}
