import { classify, lokiReason, parseRetryAfterMs, RETRY_AFTER_CAP_MS, retryDelayMs } from '../../../../services/sink-loki/retry';

describe('classify', () => {
  it.each([
    [204, 5, 'ok'],
    [200, 5, 'ok'],
    [undefined, 5, 'retry'],
    [408, 5, 'retry'],
    [429, 5, 'retry'],
    [500, 5, 'retry'],
    [503, 1, 'retry'],
    [400, 5, 'split'],
    [400, 2, 'split'],
    [400, 1, 'dead-letter'],
    [413, 3, 'split'],
    [413, 1, 'dead-letter'],
    [401, 5, 'request-failed'],
    [403, 1, 'request-failed'],
    [404, 5, 'request-failed'],
    [405, 5, 'request-failed'],
  ] as const)('status %p with %i entries -> %s', (status, entries, verdict) => {
    expect(classify(status, entries)).toBe(verdict);
  });
});

describe('Retry-After', () => {
  const now = Date.parse('2026-11-20T10:00:00Z');
  it.each([
    [undefined, undefined],
    ['', undefined],
    ['soon', undefined],
    ['0', 0],
    ['7', 7_000],
    [' 12 ', 12_000],
    ['86400', RETRY_AFTER_CAP_MS],
    ['Fri, 20 Nov 2026 10:00:30 GMT', 30_000],
    ['Fri, 20 Nov 2026 09:59:00 GMT', 0],
    ['Sat, 21 Nov 2026 10:00:00 GMT', RETRY_AFTER_CAP_MS],
  ])('%p -> %p ms', (header, ms) => {
    expect(parseRetryAfterMs(header, now)).toBe(ms);
  });

  it('waits at least what Retry-After asks, plus at most initialMs of jitter', () => {
    expect(retryDelayMs(1, 500, 30_000, 7_000, () => 0)).toBe(7_000);
    expect(retryDelayMs(9, 500, 30_000, 7_000, () => 0.999)).toBe(7_500);
    // Retry-After beyond the back-off cap is still honoured: the server knows when it is back.
    expect(retryDelayMs(1, 500, 1_000, 60_000, () => 0)).toBe(60_000);
  });

  it('backs off exponentially with full jitter, capped, without Retry-After', () => {
    expect([1, 2, 3, 4, 10].map((a) => retryDelayMs(a, 500, 30_000, undefined, () => 1))).toEqual([500, 1_000, 2_000, 4_000, 30_000]);
    for (let attempt = 1; attempt < 40; attempt++) {
      const delay = retryDelayMs(attempt, 500, 30_000, undefined);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(Math.min(30_000, 500 * 2 ** (attempt - 1)));
    }
  });
});

describe('lokiReason', () => {
  it("keeps Loki's text on one bounded line", () => {
    expect(lokiReason(400, "entry for stream '{job=\"dfs\"}' has timestamp too new: 2026-11-25T13:41:17Z\n")).toBe(
      "Loki refused the entry with 400: entry for stream '{job=\"dfs\"}' has timestamp too new: 2026-11-25T13:41:17Z",
    );
    expect(lokiReason(400, 'a\nb\n')).toBe('Loki refused the entry with 400: a | b');
    expect(lokiReason(413, '')).toBe('Loki refused the entry with 413: no reason given');
    expect(lokiReason(400, 'x'.repeat(5_000)).length).toBe(1_500);
  });
});
