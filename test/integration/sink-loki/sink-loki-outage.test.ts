import { setTimeout as sleep } from 'node:timers/promises';
import { AvroCodec } from '../../../lib/codec';
import { LOG_RECORD_SCHEMA } from '../../../lib/records';
import { createLogger, Registry } from '../../../lib/telemetry';
import { buildLogRecord } from '../../../services/producer/build-log-record';
import { SyntheticLogs } from '../../../services/producer/load/synthetic-logs';
import { parseSinkLokiConfig } from '../../../services/sink-loki/config';
import { SinkLokiService } from '../../../services/sink-loki/sink-loki-service';
import { LocalStack } from '../../../stack/local-stack';
import { stackConfigFromEnv } from '../../../stack/stack-config';
import { KafkaTestTopics } from '../../harness/kafka-test-topics';
import { testEnricher } from '../../harness/test-enricher';
import { testEndpoints } from '../../harness/test-endpoints';
import { uniqueName } from '../../harness/unique-name';
import { countOfJob, entriesOfJob } from './loki-entries';

// Stopping Loki is only possible when this run's servers are the local stack's processes.
const stack = new LocalStack(stackConfigFromEnv());
const managed = stack.server('loki').endpoint === testEndpoints().lokiUrl && stack.server('loki').process.isRunning();
const codec = new AvroCodec();
const enrich = testEnricher(codec);

describe('sink-loki while Loki is stopped and restarted', () => {
  const topics = new KafkaTestTopics();
  const job = uniqueName('loki-outage');
  let sink: SinkLokiService | undefined;
  afterAll(async () => {
    await stack.up(['loki']); // never leave the shared server down
    await sink?.stop().catch(() => undefined); // stopping twice is harmless; a failed test left it running
    await topics.cleanup();
  });

  (managed ? it : it.skip)('keeps the partition waiting, then delivers every record once when Loki is back', async () => {
    const input = await topics.create('loki-outage-enriched', 3);
    const dlq = await topics.create('loki-outage-dlq', 1);
    const logs = new SyntheticLogs({ seed: 17, nodes: 6, errorRatio: 0.1, warningRatio: 0.1, service: 'storage-node', version: '1' });
    const startMs = Date.now() - 10 * 60_000;
    let published = 0;
    const producer = topics.kafka.producer();
    await producer.connect();
    const publish = async (count: number): Promise<void> => {
      const messages = Array.from({ length: count }, () => {
        const { call, origin } = logs.next();
        const record = buildLogRecord({ ...call, timestampMicros: startMs * 1000 + published++ * 100 }, origin);
        return { key: origin.nodeId, value: enrich.process(null, codec.encode(LOG_RECORD_SCHEMA, record), { topic: 'raw', partition: 0, offset: '0' }).message.value };
      });
      for (let i = 0; i < messages.length; i += 500) await producer.send({ topic: input, messages: messages.slice(i, i + 500) });
    };
    const registry = new Registry();
    sink = new SinkLokiService(
      parseSinkLokiConfig({
        kafka: { brokers: testEndpoints().kafkaBrokers.split(',') },
        loki: { url: testEndpoints().lokiUrl },
        groupId: uniqueName('loki-outage-sink'),
        inputTopic: input,
        dlqTopic: dlq,
        job,
        flushIntervalMs: 200,
        retryInitialMs: 200,
        retryMaxMs: 2_000,
        sessionTimeoutMs: 10_000,
      }),
      { logger: createLogger({ name: 'test', level: 'silent' }), registry },
    );
    const outcome = async (name: string) => ((await registry.getSingleMetric('logpipe_sink_loki_records_total')?.get())?.values ?? []).find((v) => v.labels.outcome === name)?.value ?? 0;
    await publish(1_500);
    void sink.start();
    const running = sink;
    while ((await outcome('written')) < 1_500) await sleep(200);

    await stack.down(['loki']);
    await publish(3_000); // arrives while Loki is away
    const rssDuring: number[] = [];
    for (let s = 0; s < 20; s++) {
      await sleep(1_000);
      rssDuring.push(process.memoryUsage().rss);
    }
    expect(await outcome('written')).toBe(1_500); // nothing acknowledged, nothing committed, nothing dropped
    expect(await outcome('dead_lettered')).toBe(0);
    const retries = (await registry.getSingleMetric('logpipe_sink_loki_retries_total')?.get())?.values.reduce((sum, v) => sum + v.value, 0) ?? 0;
    expect(retries).toBeGreaterThan(0);

    await stack.up(['loki']);
    const deadline = Date.now() + 120_000;
    while ((await outcome('written')) < 4_500 && Date.now() < deadline) await sleep(500);
    await running.stop();
    await producer.disconnect();
    expect(await outcome('written')).toBe(4_500);
    expect(await outcome('dead_lettered')).toBe(0);

    // Written before the stop (kept by Loki's WAL) and after the restart: every record once.
    const endMs = Date.now() + 60_000;
    const entries = await entriesOfJob(job, startMs - 60_000, endMs);
    expect(entries).toHaveLength(4_500);
    expect(new Set(entries.map((e) => e.labels.log_id)).size).toBe(4_500);
    expect(await countOfJob(job, startMs - 60_000, endMs)).toBe(4_500);
    const growthMb = (Math.max(...rssDuring) - Math.min(...rssDuring)) / 1024 / 1024;
    expect(growthMb).toBeLessThan(200);
    process.stderr.write(`sink-loki outage: retries ${retries}, RSS growth while Loki was down ${growthMb.toFixed(1)} MB\n`);
  }, 600_000);
});
