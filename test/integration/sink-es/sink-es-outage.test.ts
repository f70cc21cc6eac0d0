import { setTimeout as sleep } from 'node:timers/promises';
import { Client } from '@elastic/elasticsearch';
import { AvroCodec } from '../../../lib/codec';
import { LOG_RECORD_SCHEMA } from '../../../lib/records';
import { createLogger, Registry } from '../../../lib/telemetry';
import { buildLogRecord } from '../../../services/producer/build-log-record';
import { SyntheticLogs } from '../../../services/producer/load/synthetic-logs';
import { parseSinkEsConfig } from '../../../services/sink-es/config';
import { SinkEsService } from '../../../services/sink-es/sink-es-service';
import { LocalStack } from '../../../stack/local-stack';
import { stackConfigFromEnv } from '../../../stack/stack-config';
import { KafkaTestTopics } from '../../harness/kafka-test-topics';
import { testEnricher } from '../../harness/test-enricher';
import { testEndpoints } from '../../harness/test-endpoints';
import { uniqueName } from '../../harness/unique-name';

// Stopping Elasticsearch is only possible when this run's servers are the local stack's processes.
const stack = new LocalStack(stackConfigFromEnv());
const managed = stack.server('elasticsearch').endpoint === testEndpoints().esUrl && stack.server('elasticsearch').process.isRunning();
const codec = new AvroCodec();
const enrich = testEnricher(codec);

describe('sink-es while Elasticsearch is down for 30 s', () => {
  const topics = new KafkaTestTopics();
  const es = new Client({ node: testEndpoints().esUrl });
  const prefix = uniqueName('outage');
  afterAll(async () => {
    await stack.up(['elasticsearch']); // never leave the shared server down
    await es.indices.delete({ index: `${prefix}*`, ignore_unavailable: true, allow_no_indices: true });
    await es.indices.deleteIndexTemplate({ name: prefix }).catch(() => undefined);
    await es.close();
    await topics.cleanup();
  });

  (managed ? it : it.skip)('keeps the partition waiting, then delivers every record once when Elasticsearch returns', async () => {
    const input = await topics.create('outage-enriched', 3);
    const dlq = await topics.create('outage-dlq', 1);
    const logs = new SyntheticLogs({ seed: 9, nodes: 6, errorRatio: 0.1, warningRatio: 0.1, service: 'storage-node', version: '1' });
    const producer = topics.kafka.producer();
    await producer.connect();
    const publish = async (count: number): Promise<void> => {
      const messages = Array.from({ length: count }, () => {
        const { call, origin } = logs.next();
        const record = buildLogRecord(call, origin);
        return { key: origin.nodeId, value: enrich.process(null, codec.encode(LOG_RECORD_SCHEMA, record), { topic: 'raw', partition: 0, offset: '0' }).message.value };
      });
      for (let i = 0; i < messages.length; i += 500) await producer.send({ topic: input, messages: messages.slice(i, i + 500) });
    };
    const registry = new Registry();
    const sink = new SinkEsService(
      parseSinkEsConfig({
        kafka: { brokers: testEndpoints().kafkaBrokers.split(',') },
        elasticsearch: { url: testEndpoints().esUrl },
        groupId: uniqueName('outage-sink'),
        inputTopic: input,
        dlqTopic: dlq,
        indexPrefix: prefix,
        flushIntervalMs: 200,
        retryMaxMs: 2_000,
        sessionTimeoutMs: 10_000,
      }),
      { logger: createLogger({ name: 'test', level: 'silent' }), registry },
    );
    await publish(2_000);
    void sink.start();
    const written = async () => ((await registry.getSingleMetric('logpipe_sink_es_records_total')?.get())?.values ?? []).find((v) => v.labels.outcome === 'written')?.value ?? 0;
    while ((await written()) < 2_000) await sleep(200);

    await stack.down(['elasticsearch']);
    await publish(4_000); // arrives while Elasticsearch is away
    const rssDuring: number[] = [];
    for (let s = 0; s < 30; s++) {
      await sleep(1_000);
      rssDuring.push(process.memoryUsage().rss);
    }
    expect(await written()).toBe(2_000); // nothing acknowledged, nothing committed, nothing dropped
    const retries = (await registry.getSingleMetric('logpipe_sink_es_retries_total')?.get())?.values.reduce((sum, v) => sum + v.value, 0) ?? 0;
    expect(retries).toBeGreaterThan(0);

    await stack.up(['elasticsearch']);
    const deadline = Date.now() + 120_000;
    while ((await written()) < 6_000 && Date.now() < deadline) await sleep(500);
    await sink.stop();
    await producer.disconnect();
    expect(await written()).toBe(6_000);
    await es.indices.refresh({ index: `${prefix}-*` });
    expect((await es.count({ index: `${prefix}-*` })).count).toBe(6_000);
    // Memory stays bounded while waiting: the sink holds at most its fetched batches.
    const growthMb = (Math.max(...rssDuring) - Math.min(...rssDuring)) / 1024 / 1024;
    expect(growthMb).toBeLessThan(200);
    process.stderr.write(`sink-es outage: retries ${retries}, RSS growth while Elasticsearch was down ${growthMb.toFixed(1)} MB\n`);
  }, 600_000);
});
