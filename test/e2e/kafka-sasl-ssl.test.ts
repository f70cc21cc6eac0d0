import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runProduce } from '../../services/producer/produce-command';
import type { KafkaServer } from '../../stack/servers/kafka';
import { E2eFixture } from '../harness/e2e-fixture';
import { localStack, managedByLocalStack } from '../harness/local-stack-servers';
import { testEndpoints } from '../harness/test-endpoints';
import { uniqueName } from '../harness/unique-name';

const RECORDS = 2_000;
const broker = localStack.server('kafka') as KafkaServer;
// The SASL_SSL listener is the local stack's: only when this run's Kafka is that process.
const managed = managedByLocalStack('kafka');

describe("the pipeline through Kafka's TLS + SASL/SCRAM listener", () => {
  const fixture = new E2eFixture('sasl');
  const { topics, processes, es, prefix, dir } = fixture;
  afterAll(() => fixture.cleanup());

  (managed ? it : it.skip)('produces, enriches and indexes every record over SASL_SSL; a wrong password stops a service with the reason', async () => {
    const { mechanism, username, password } = (broker.constructor as typeof KafkaServer).SCRAM_USER;
    const secured = { KAFKA_BROKERS: broker.saslSslEndpoint, KAFKA_SSL_CA_FILE: broker.caFile, KAFKA_SASL_MECHANISM: mechanism, KAFKA_SASL_USERNAME: username, KAFKA_SASL_PASSWORD: password };
    const raw = await topics.create('sasl-raw', 3);
    const enriched = await topics.create('sasl-enriched', 3);
    const dlq = await topics.create('sasl-dlq', 1);

    const produced = await runProduce(['--count', String(RECORDS), '--seed', '13', '--rate', '0', '--topic', raw], () => undefined, { ...process.env, ...secured });
    expect(produced.produced).toBe(RECORDS);
    const run = uniqueName('sasl');
    processes.start('enricher', { ...secured, ENRICHER_GROUP_ID: `${run}-enricher`, ENRICHER_INPUT_TOPIC: raw, ENRICHER_OUTPUT_TOPIC: enriched, ENRICHER_DLQ_TOPIC: dlq });
    processes.start('sink-es', { ...secured, ES_URL: testEndpoints().esUrl, SINK_ES_GROUP_ID: `${run}-sink-es`, SINK_ES_INPUT_TOPIC: enriched, SINK_ES_DLQ_TOPIC: dlq, SINK_ES_INDEX_PREFIX: prefix, SINK_ES_FLUSH_INTERVAL_MS: '200' });
    const deadline = Date.now() + 120_000;
    while ((await topics.committed(`${run}-sink-es`, enriched)) < RECORDS && Date.now() < deadline) await sleep(500);
    expect(await processes.stopAll()).toEqual([0, 0]);
    await es.indices.refresh({ index: `${prefix}-*` });
    expect((await es.count({ index: `${prefix}-*` })).count).toBe(RECORDS);
    // Everything went through the secured listener: the groups' offsets are there, over plaintext too.
    expect(await topics.committed(`${run}-enricher`, raw)).toBe(RECORDS);

    const logFile = path.join(dir, 'enricher-wrong-password.log');
    const refused = processes.start('enricher', { ...secured, KAFKA_SASL_PASSWORD: 'not-the-password', LOG_LEVEL: 'info', ENRICHER_GROUP_ID: `${run}-refused`, ENRICHER_INPUT_TOPIC: raw, ENRICHER_OUTPUT_TOPIC: enriched, ENRICHER_DLQ_TOPIC: dlq }, { logFile });
    const exitCode = await new Promise<number | null>((resolve) => refused.once('exit', resolve));
    expect(exitCode).toBe(1);
    const log = fs.readFileSync(logFile, 'utf8');
    expect(log).toMatch(/SASL SCRAM SHA512 authentication failed/);
    expect(log).not.toContain('not-the-password');
  }, 240_000);
});
