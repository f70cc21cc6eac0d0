import { UAParser } from 'ua-parser-js';
import { BoundedCache } from '../../../lib/records';

export interface UserAgentFields {
  browser: string | null;
  browser_version: string | null;
  os: string | null;
  os_version: string | null;
  device_type: string;
}

const BOT = /bot|crawl|spider|slurp|curl|wget|python-requests|go-http-client/i;

/**
 * Browser, OS and device type of a User-Agent header (ua-parser-js 1.x, MIT: 2.x moved to AGPL).
 * ua-parser-js reports no device type for desktops, so an identified OS without one is `desktop`.
 */
export function parseUserAgent(ua: string): UserAgentFields {
  // ua-parser's regex tables were 21% of enrichment time; a fleet sends few distinct agents.
  return cache.getOrCompute(ua, parse);
}

/** Results are shared between records: frozen so one record cannot change another's. */
const cache = new BoundedCache<string, UserAgentFields>(10_000);

function parse(ua: string): UserAgentFields {
  const result = new UAParser(ua).getResult();
  const type = result.device.type;
  const deviceType = BOT.test(ua) ? 'bot' : type === 'mobile' || type === 'tablet' ? type : type === undefined && result.os.name !== undefined && result.browser.name !== undefined ? 'desktop' : 'other';
  return Object.freeze({
    browser: result.browser.name ?? null,
    browser_version: result.browser.version ?? null,
    os: result.os.name ?? null,
    os_version: result.os.version ?? null,
    device_type: deviceType,
  });
}
