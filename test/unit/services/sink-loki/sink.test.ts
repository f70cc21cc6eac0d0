import { Writable } from 'node:stream';
import { AvroCodec } from '../../../../lib/codec';
import { readDeadLetterHeaders } from '../../../../lib/dead-letter';
import type { SinkInput } from '../../../../lib/runner/sink-loop';
import { createLogger, Registry } from '../../../../lib/telemetry';
import { ENRICHED_RECORD_SCHEMA, type EnrichedRecord } from '../../../../services/enricher/enriched-record';
import { parseSinkLokiConfig } from '../../../../services/sink-loki/config';
import { LokiSink } from '../../../../services/sink-loki/sink';
import { SinkLokiTelemetry } from '../../../../services/sink-loki/sink-loki-telemetry';
import { enrichedRecord } from './enriched-record-fixture';
import { FakeLoki, rejectMarked } from './fake-loki';

const codec = new AvroCodec();
const base = Date.parse('2026-11-20T10:00:00Z') * 1000;

function inputs(count: number, change: (i: number) => Partial<EnrichedRecord> = () => ({})): SinkInput[] {
  return Array.from({ length: count }, (_, i) => ({
    key: Buffer.from(`node-${i % 3}`),
    value: codec.encode(ENRICHED_RECORD_SCHEMA, enrichedRecord({ timestamp: base + i, node_id: `node-${i % 3}`, message: `m${i}`, log_id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`, ...change(i) })),
    source: { topic: 'logs.enriched', partition: 1, offset: String(100 + i) },
  }));
}

describe('LokiSink.writeBatch against a fake Loki', () => {
  const loki = new FakeLoki();
  let url = '';
  let logLines: string[] = [];
  let registry: Registry;
  beforeAll(async () => {
    url = await loki.start();
  });
  afterAll(() => loki.stop());
  beforeEach(() => {
    loki.requests.length = 0;
    loki.stored.clear();
    loki.answer = rejectMarked;
    logLines = [];
    registry = new Registry();
  });

  function sink(overrides: Record<string, unknown> = {}): LokiSink {
    const config = parseSinkLokiConfig({ kafka: { brokers: ['127.0.0.1:1'] }, loki: { url }, retryInitialMs: 10, retryMaxMs: 50, maxInFlight: 1, ...overrides });
    const destination = new Writable({ write: (chunk: Buffer, _enc, done) => void (logLines.push(chunk.toString()), done()) });
    return new LokiSink(config, codec, new SinkLokiTelemetry(createLogger({ name: 'test', level: 'debug', destination }), registry));
  }

  async function metric(name: string): Promise<number> {
    return ((await registry.getSingleMetric(name)?.get())?.values ?? []).reduce((s, v) => s + v.value, 0);
  }

  it.each([
    ['protobuf', 1, 1_048_576],
    ['json', 1, 1_048_576],
    ['protobuf', 3, 8_000],
  ] as const)('splits a request Loki refused with 400 until the refused entries are alone: those are dead-lettered with the reason, the rest written (%s, %i in flight, %i bytes a request)', async (pushFormat, maxInFlight, maxBatchBytes) => {
    const batch = inputs(32, (i) => (i === 5 || i === 26 ? { message: `REJECT ${i}` } : {}));
    const s = sink({ pushFormat, maxInFlight, maxBatchBytes });
    const heartbeat = jest.fn(() => Promise.resolve());
    const result = await s.writeBatch(batch, heartbeat);
    await s.close();

    expect(result.deadLetters.map((d) => readDeadLetterHeaders(d.headers).sourceOffset)).toEqual(['105', '126']);
    for (const d of result.deadLetters) {
      const why = readDeadLetterHeaders(d.headers);
      expect(why).toMatchObject({ stage: 'sink-loki', code: 'LOKISINK_REJECTED', sourceTopic: 'logs.enriched', sourcePartition: '1' });
      expect(why.reason).toMatch(/^Loki refused the entry with 400: max entry size '262144' bytes exceeded for stream '\{component="storage", job="dfs", level="ERROR", node_id="node-\d", service="storage-node"\}'/);
      expect(d.key?.toString()).toMatch(/^node-\d$/);
    }
    expect(codec.decode<EnrichedRecord>(result.deadLetters[0]?.value as Buffer).value.message).toBe('REJECT 5'); // the original bytes
    expect(loki.stored.size).toBe(30);
    expect([...loki.stored.values()].map((e) => e.metadata.log_id).sort()).toEqual(
      Array.from({ length: 32 }, (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`).filter((_, i) => i !== 5 && i !== 26),
    );
    // Bisection: 1 + at most 2 x 2 x log2(32) requests, not one per entry.
    expect(loki.requests.length).toBeLessThanOrEqual(1 + 2 * 2 * 5);
    expect(await metric('logpipe_sink_loki_rejected_entries_total')).toBe(2);
    expect(await metric('logpipe_sink_loki_splits_total')).toBeGreaterThan(0);
    expect(heartbeat).toHaveBeenCalled();
  });

  it('dead-letters nothing and writes everything when the only entry of a batch is fine', async () => {
    const s = sink();
    const result = await s.writeBatch(inputs(1), () => Promise.resolve());
    await s.close();
    expect(result.deadLetters).toEqual([]);
    expect(loki.requests).toHaveLength(1);
  });

  it('honours Retry-After on 429, then writes the batch', async () => {
    loki.answer = (_entries, n) => (n === 1 ? { status: 429, body: 'Ingestion rate limit exceeded', headers: { 'retry-after': '1' } } : { status: 204 });
    const s = sink();
    const started = Date.now();
    const result = await s.writeBatch(inputs(10), () => Promise.resolve());
    await s.close();
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(result.deadLetters).toEqual([]);
    expect(loki.requests).toHaveLength(2);
    expect(loki.stored.size).toBe(10);
    expect(await metric('logpipe_sink_loki_retries_total')).toBe(10);
  });

  it('retries 5xx with back-off until Loki takes the push', async () => {
    loki.answer = (_entries, n) => (n <= 3 ? { status: 503, body: 'ingester not ready' } : { status: 204 });
    const s = sink();
    const result = await s.writeBatch(inputs(5), () => Promise.resolve());
    await s.close();
    expect(result.deadLetters).toEqual([]);
    expect(loki.requests).toHaveLength(4);
    expect(loki.stored.size).toBe(5);
  });

  it('treats 401/403/404 as LOKISINK_REQUEST_FAILED: logged at error, counted, retried, nothing dead-lettered', async () => {
    loki.answer = (_entries, n) => (n === 1 ? { status: 401, body: 'no org id' } : n === 2 ? { status: 403, body: 'forbidden' } : { status: 204 });
    const s = sink();
    const result = await s.writeBatch(inputs(4), () => Promise.resolve());
    await s.close();
    expect(result.deadLetters).toEqual([]);
    expect(loki.stored.size).toBe(4);
    const errors = logLines.map((l) => JSON.parse(l) as { level: string; code?: string; status?: number }).filter((l) => l.code === 'LOKISINK_REQUEST_FAILED');
    expect(errors.map((l) => [l.level, l.status])).toEqual([
      ['error', 401],
      ['error', 403],
    ]);
    const failures = (await registry.getSingleMetric('logpipe_sink_loki_request_failures_total')?.get())?.values.map((v) => [v.labels.status, v.value]);
    expect(failures).toEqual([
      ['401', 1],
      ['403', 1],
    ]);
  });

  it('sends the tenant and credentials, and never logs the credentials', async () => {
    loki.answer = (_entries, n) => (n === 1 ? { status: 401, body: 'unauthorized' } : { status: 204 });
    const bearer = sink({ loki: { url, tenantId: 'team-a', bearerToken: 'sekret-token' } });
    await bearer.writeBatch(inputs(1), () => Promise.resolve());
    await bearer.close();
    const basic = sink({ loki: { url, username: 'user', password: 'sekret-pass' } });
    await basic.writeBatch(inputs(1), () => Promise.resolve());
    await basic.close();
    expect(loki.requests[0]?.headers).toMatchObject({ 'x-scope-orgid': 'team-a', authorization: 'Bearer sekret-token', 'content-type': 'application/x-protobuf' });
    expect(loki.requests.at(-1)?.headers).toMatchObject({ authorization: `Basic ${Buffer.from('user:sekret-pass').toString('base64')}` });
    expect(loki.requests.at(-1)?.headers['x-scope-orgid']).toBeUndefined();
    expect(logLines.join('')).not.toMatch(/sekret/);
  });

  it('dead-letters records it cannot decode with the codec error, and writes the rest', async () => {
    loki.answer = () => ({ status: 204 });
    const batch = inputs(3);
    const broken: SinkInput[] = [{ ...batch[0]!, value: Buffer.from('not avro') }, batch[1]!, { ...batch[2]!, value: null }];
    const s = sink();
    const result = await s.writeBatch(broken, () => Promise.resolve());
    await s.close();
    expect(result.deadLetters.map((d) => readDeadLetterHeaders(d.headers)).map((h) => [h.sourceOffset, h.code])).toEqual([
      ['100', 'CODEC_BAD_MARKER'],
      ['102', 'CODEC_INVALID_BODY'],
    ]);
    expect(loki.stored.size).toBe(1);
  });

  it('pushes a replayed batch as identical entries (the same bytes), which Loki keeps once', async () => {
    loki.answer = () => ({ status: 204 });
    const batch = inputs(20);
    const s = sink();
    await s.writeBatch(batch, () => Promise.resolve());
    await s.writeBatch(batch, () => Promise.resolve());
    await s.close();
    expect(loki.requests).toHaveLength(2);
    expect(loki.requests[0]?.entries).toEqual(loki.requests[1]?.entries);
    expect(loki.stored.size).toBe(20);
  });
});
