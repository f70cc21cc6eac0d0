import fs from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runProduce } from '../../services/producer/produce-command';
import { E2eFixture } from '../harness/e2e-fixture';
import { testEndpoints } from '../harness/test-endpoints';
import { uniqueName } from '../harness/unique-name';
import { countOfJob } from '../integration/sink-loki/loki-entries';

const RECORDS = 300;
// The local servers run without authentication and ignore these; the services still send them.
const SECRETS = { esPassword: 'es-Pa55-7f3a9c', lokiPassword: 'loki-Pa55-2b8d41', lokiToken: 'loki-token-9e6c05' };

describe('credentials never reach a log line (real processes at debug level)', () => {
  const fixture = new E2eFixture('secrets');
  const { topics, processes, es, prefix, dir } = fixture;
  afterAll(() => fixture.cleanup());

  it('sink-es with basic auth and sink-loki with basic auth and a bearer token write every record and log no secret', async () => {
    const raw = await topics.create('secrets-raw', 2);
    const enriched = await topics.create('secrets-enriched', 2);
    const dlq = await topics.create('secrets-dlq', 1);
    await runProduce(['--count', String(RECORDS), '--seed', '9', '--rate', '0', '--topic', raw, '--brokers', testEndpoints().kafkaBrokers], () => undefined);
    const run = uniqueName('secrets');
    const job = run.replace(/[^A-Za-z0-9_]/g, '_');
    const startedAt = Date.now();
    const common = { KAFKA_BROKERS: testEndpoints().kafkaBrokers, LOG_LEVEL: 'debug', SHUTDOWN_TIMEOUT_MS: '20000' };
    const logs = { enricher: path.join(dir, 'enricher.log'), es: path.join(dir, 'sink-es.log'), loki: path.join(dir, 'sink-loki.log'), lokiBearer: path.join(dir, 'sink-loki-bearer.log') };
    processes.start('enricher', { ...common, ENRICHER_GROUP_ID: `${run}-enricher`, ENRICHER_INPUT_TOPIC: raw, ENRICHER_OUTPUT_TOPIC: enriched, ENRICHER_DLQ_TOPIC: dlq }, { logFile: logs.enricher });
    processes.start('sink-es', { ...common, ES_URL: testEndpoints().esUrl, ES_USERNAME: 'elastic', ES_PASSWORD: SECRETS.esPassword, SINK_ES_GROUP_ID: `${run}-sink-es`, SINK_ES_INPUT_TOPIC: enriched, SINK_ES_DLQ_TOPIC: dlq, SINK_ES_INDEX_PREFIX: prefix, SINK_ES_FLUSH_INTERVAL_MS: '200' }, { logFile: logs.es });
    processes.start('sink-loki', { ...common, LOKI_URL: testEndpoints().lokiUrl, LOKI_USERNAME: 'loki', LOKI_PASSWORD: SECRETS.lokiPassword, SINK_LOKI_GROUP_ID: `${run}-sink-loki`, SINK_LOKI_INPUT_TOPIC: enriched, SINK_LOKI_DLQ_TOPIC: dlq, SINK_LOKI_JOB: job, SINK_LOKI_FLUSH_INTERVAL_MS: '200' }, { logFile: logs.loki });
    // A second Loki sink with a bearer token: its own group, the same entries (Loki keeps one copy of identical entries).
    processes.start('sink-loki', { ...common, LOKI_URL: testEndpoints().lokiUrl, LOKI_BEARER_TOKEN: SECRETS.lokiToken, SINK_LOKI_GROUP_ID: `${run}-sink-loki-bearer`, SINK_LOKI_INPUT_TOPIC: enriched, SINK_LOKI_DLQ_TOPIC: dlq, SINK_LOKI_JOB: job, SINK_LOKI_FLUSH_INTERVAL_MS: '200' }, { logFile: logs.lokiBearer });

    const deadline = Date.now() + 120_000;
    const done = async () =>
      (await topics.committed(`${run}-sink-es`, enriched)) >= RECORDS && (await topics.committed(`${run}-sink-loki`, enriched)) >= RECORDS && (await topics.committed(`${run}-sink-loki-bearer`, enriched)) >= RECORDS;
    while (!(await done()) && Date.now() < deadline) await sleep(500);
    expect(await processes.stopAll()).toEqual([0, 0, 0, 0]);
    await es.indices.refresh({ index: `${prefix}-*` });
    expect((await es.count({ index: `${prefix}-*` })).count).toBe(RECORDS);
    expect(await countOfJob(job, startedAt - 600_000, Date.now() + 60_000)).toBe(RECORDS);

    const forbidden = [
      SECRETS.esPassword,
      SECRETS.lokiPassword,
      SECRETS.lokiToken,
      Buffer.from(`elastic:${SECRETS.esPassword}`).toString('base64'),
      Buffer.from(`loki:${SECRETS.lokiPassword}`).toString('base64'),
    ];
    for (const file of Object.values(logs)) {
      const text = fs.readFileSync(file, 'utf8');
      // The logs are real: the configuration line at start, the joins, the shutdown.
      expect(text).toMatch(/"msg":"Starting /);
      expect(text).toMatch(/"msg":"[a-z-]+ stopped"/);
      for (const secret of forbidden) expect({ file, leaked: text.includes(secret) }).toEqual({ file, leaked: false });
    }
    expect(fs.readFileSync(logs.es, 'utf8')).toMatch(/"password":"\[redacted\]"/);
    expect(fs.readFileSync(logs.loki, 'utf8')).toMatch(/"password":"\[redacted\]"/);
    expect(fs.readFileSync(logs.lokiBearer, 'utf8')).toMatch(/"bearerToken":"\[redacted\]"/);
  }, 180_000);
});
