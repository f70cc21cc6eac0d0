import { AvroCodec } from '../../../lib/codec';
import { readDeadLetterHeaders } from '../../../lib/dead-letter';
import { LOG_RECORD_SCHEMA } from '../../../lib/records';
import { createLogger, Registry } from '../../../lib/telemetry';
import { ENRICHED_RECORD_SCHEMA, type EnrichedRecord } from '../../../services/enricher/enriched-record';
import { buildLogRecord } from '../../../services/producer/build-log-record';
import { SyntheticLogs } from '../../../services/producer/load/synthetic-logs';
import { parseSinkLokiConfig } from '../../../services/sink-loki/config';
import { formatLine } from '../../../services/sink-loki/line-format';
import { LokiQueryClient } from '../../../services/sink-loki/query-client';
import { runLabelValues, runLogQuery } from '../../../services/sink-loki/query-commands';
import { SinkLokiService } from '../../../services/sink-loki/sink-loki-service';
import { KafkaTestTopics } from '../../harness/kafka-test-topics';
import { testEnricher } from '../../harness/test-enricher';
import { testEndpoints } from '../../harness/test-endpoints';
import { uniqueName } from '../../harness/unique-name';
import { countOfJob, entriesOfJob } from './loki-entries';

const codec = new AvroCodec();
const enrich = testEnricher(codec);

/** An enriched record as the enricher writes it. */
function enriched(call: Parameters<typeof buildLogRecord>[0], origin: Parameters<typeof buildLogRecord>[1], offset: number): Buffer {
  const record = buildLogRecord(call, origin);
  return enrich.process(Buffer.from(origin.nodeId), codec.encode(LOG_RECORD_SCHEMA, record), { topic: 'raw', partition: 0, offset: String(offset) }).message.value as Buffer;
}

describe('sink-loki against the real Loki and Kafka', () => {
  const topics = new KafkaTestTopics();
  const job = uniqueName('sink-loki');
  // Event times over the last 20 minutes: inside Loki's acceptance window and one query's range.
  const startMs = Date.now() - 20 * 60_000;
  const started: SinkLokiService[] = [];
  afterAll(async () => {
    // A failed assertion leaves its service running: stop every one before the topics go.
    for (const s of started) await s.stop().catch(() => undefined);
    await topics.cleanup();
  });

  function service(inputTopic: string, dlqTopic: string, groupId: string, registry = new Registry()): SinkLokiService {
    const config = parseSinkLokiConfig({
      kafka: { brokers: testEndpoints().kafkaBrokers.split(',') },
      loki: { url: testEndpoints().lokiUrl },
      groupId,
      inputTopic,
      dlqTopic,
      job,
      sessionTimeoutMs: 6_000,
      flushIntervalMs: 200,
      retryInitialMs: 100,
      retryMaxMs: 2_000,
    });
    const sink = new SinkLokiService(config, { logger: createLogger({ name: 'test', level: 'silent' }), registry });
    started.push(sink);
    return sink;
  }

  async function untilCommitted(groupId: string, topic: string, count: number): Promise<void> {
    const deadline = Date.now() + 90_000;
    while ((await topics.committed(groupId, topic)) < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 300));
    expect(await topics.committed(groupId, topic)).toBe(count);
  }

  it('writes N records as N entries with labels, structured metadata and lines; replays change no count; refused entries are dead-lettered alone', async () => {
    const input = await topics.create('loki-enriched', 3);
    const dlq = await topics.create('loki-dlq', 1);
    const logs = new SyntheticLogs({ seed: 31, nodes: 5, errorRatio: 0.1, warningRatio: 0.2, service: 'storage-node', version: '1.0.0' });
    const records = Array.from({ length: 3_000 }, (_, i) => {
      const { call, origin } = logs.next();
      return { key: origin.nodeId, value: enriched({ ...call, timestampMicros: startMs * 1000 + i * 333 }, origin, i) };
    });
    // Two records Loki refuses (a time beyond creation_grace_period, 10 min; a line beyond max_line_size, 256 KB)
    // between neighbours of the same node, so they share a partition batch and a push request.
    const origin = { service: 'storage-node', nodeId: 'node-edge', version: '1.0.0' };
    const neighbour = (n: number) => enriched({ level: 'INFO', message: `neighbour ${n}`, component: 'api', timestampMicros: (startMs + 60_000) * 1000 + n }, origin, 10_000 + n);
    const tooNew = enriched({ level: 'ERROR', message: 'from the future', component: 'api', timestampMicros: (Date.now() + 2 * 3_600_000) * 1000 }, origin, 20_000);
    // Over Loki's 256 KiB line limit through its context (the enricher cuts long messages itself).
    const tooLong = enriched({ level: 'ERROR', message: 'long context', context: { blob: 'x'.repeat(300_000) }, component: 'api', timestampMicros: (startMs + 60_000) * 1000 + 500 }, origin, 20_001);
    const edge = [neighbour(1), tooNew, neighbour(2), neighbour(3), tooLong, neighbour(4)].map((value) => ({ key: origin.nodeId, value }));

    const producer = topics.kafka.producer();
    await producer.connect();
    for (let i = 0; i < records.length; i += 500) await producer.send({ topic: input, messages: records.slice(i, i + 500) });
    await producer.send({ topic: input, messages: edge });
    await producer.disconnect();
    const total = records.length + edge.length;
    const written = records.length + 4;

    const groupId = uniqueName('sink-loki');
    const sink = service(input, dlq, groupId);
    void sink.start();
    await untilCommitted(groupId, input, total);
    await sink.stop();

    const endMs = Date.now() + 60_000;
    const entries = await entriesOfJob(job, startMs - 60_000, endMs);
    expect(entries).toHaveLength(written);
    expect(await countOfJob(job, startMs - 60_000, endMs)).toBe(written);

    // Every record once, by log_id in structured metadata, with its labels and its exact line.
    const byLogId = new Map(entries.map((e) => [e.labels.log_id, e]));
    expect(byLogId.size).toBe(written);
    for (const { value } of [...records, ...edge.filter((_, i) => i !== 1 && i !== 4)]) {
      const record = codec.decode<EnrichedRecord>(value, ENRICHED_RECORD_SCHEMA).value;
      const entry = byLogId.get(record.log_id);
      expect(entry).toBeDefined();
      expect(entry?.labels).toMatchObject({ job, service: record.service, node_id: record.node_id, component: record.component, level: record.level });
      if (record.trace_id !== null) expect(entry?.labels.trace_id).toBe(record.trace_id);
      expect(entry?.line).toBe(formatLine(record, 'json'));
      expect(JSON.parse(entry?.line as string)).toMatchObject({ level: record.level, message: record.message, ...(record.context === '{}' ? {} : { context: JSON.parse(record.context) as object }) });
      expect(entry?.ns).toBe(`${record.timestamp}000`);
    }
    // log_id is structured metadata, not an index label: the label API does not know it.
    const client = new LokiQueryClient({ url: testEndpoints().lokiUrl, rejectUnauthorized: true });
    const names = await client.labelNames(BigInt(startMs - 60_000) * 1_000_000n, BigInt(endMs) * 1_000_000n, `{job="${job}"}`);
    await client.close();
    expect(names).toEqual(expect.arrayContaining(['job', 'service', 'node_id', 'component', 'level']));
    expect(names).not.toEqual(expect.arrayContaining(['log_id']));
    expect(names).not.toContain('trace_id');

    // The CLI commands users run: `logpipe logql` and `logpipe labels`.
    const lines: string[] = [];
    expect(await runLogQuery([`{job="${job}", level="ERROR"}`, '--since', '1h', '--limit', '7', '--json'], (l) => lines.push(l))).toBe(0);
    const errors = records.map((r) => codec.decode<EnrichedRecord>(r.value, ENRICHED_RECORD_SCHEMA).value).filter((r) => r.level === 'ERROR');
    const newestErrors = errors.sort((a, b) => b.timestamp - a.timestamp).slice(0, 7);
    expect(lines.map((l) => (JSON.parse(l) as { labels: { log_id: string } }).labels.log_id)).toEqual(newestErrors.map((r) => r.log_id));
    expect(JSON.parse(lines[0] as string)).toMatchObject({ ns: `${newestErrors[0]?.timestamp}000`, line: formatLine(newestErrors[0] as EnrichedRecord, 'json') });
    const text: string[] = [];
    await runLogQuery([`{job="${job}"} |= "neighbour 3"`, '--since', '1h'], (l) => text.push(l));
    expect(text).toEqual([expect.stringMatching(/^\d{4}-\d\d-\d\dT[\d:.]{18}Z  INFO     node-edge  api        \{"timestamp":.*"message":"neighbour 3"/), expect.stringMatching(/^1 entries between /)]);
    const components: string[] = [];
    await runLabelValues(['component', '--query', `{job="${job}"}`, '--since', '1h'], (l) => components.push(l));
    expect(components).toEqual([...new Set(records.map((r) => codec.decode<EnrichedRecord>(r.value, ENRICHED_RECORD_SCHEMA).value.component).concat('api'))].sort());

    const dead = await topics.drain(dlq, 2);
    expect(dead).toHaveLength(2);
    const reasons = dead.map((m) => readDeadLetterHeaders(m.headers)).sort((a, b) => Number(a.sourceOffset) - Number(b.sourceOffset));
    for (const why of reasons) expect(why).toMatchObject({ stage: 'sink-loki', code: 'LOKISINK_REJECTED', sourceTopic: input });
    expect(reasons.map((r) => r.reason)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^Loki refused the entry with 400: entry for stream '\{.*node_id="node-edge".*\}' has timestamp too new/),
        expect.stringMatching(/^Loki refused the entry with 400: max entry size '262144' bytes exceeded for stream '\{.*\}' while adding an entry with length '3\d{5}' bytes/),
      ]),
    );
    expect(dead.map((m) => codec.decode<EnrichedRecord>(m.value as Buffer).value.message.slice(0, 15)).sort()).toEqual(['from the future', 'long context']);

    // Replay 1: the same group from the beginning. Replay 2: a new group. Loki drops the identical entries.
    const admin = topics.kafka.admin();
    await admin.connect();
    await admin.resetOffsets({ groupId, topic: input, earliest: true });
    await admin.disconnect();
    const replay = service(input, dlq, groupId);
    void replay.start();
    await new Promise((r) => setTimeout(r, 1_000));
    await untilCommitted(groupId, input, total);
    await replay.stop();
    const secondGroup = uniqueName('sink-loki-replay');
    const replay2Registry = new Registry();
    const replay2 = service(input, dlq, secondGroup, replay2Registry);
    void replay2.start();
    await untilCommitted(secondGroup, input, total);
    await replay2.stop();
    const written2 = ((await replay2Registry.getSingleMetric('logpipe_sink_loki_records_total')?.get())?.values ?? []).find((v) => v.labels.outcome === 'written')?.value;
    expect(written2).toBe(written); // every record was pushed again...

    const after = await entriesOfJob(job, startMs - 60_000, endMs);
    expect(after).toHaveLength(written); // ...and Loki kept each once
    expect(await countOfJob(job, startMs - 60_000, endMs)).toBe(written);
    expect(new Set(after.map((e) => e.labels.log_id)).size).toBe(written);
  }, 300_000);
});
