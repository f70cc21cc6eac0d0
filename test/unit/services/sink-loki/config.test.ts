import { isLogpipeError } from '../../../../lib/errors';
import { REDACTED_PATHS, createLogger } from '../../../../lib/telemetry';
import { sinkLokiConfigFromEnv } from '../../../../services/sink-loki/config';
import { Writable } from 'node:stream';

function problemsOf(env: NodeJS.ProcessEnv): string[] {
  try {
    sinkLokiConfigFromEnv(env);
  } catch (err) {
    expect(isLogpipeError(err, 'CONFIG_INVALID')).toBe(true);
    return (err as { context: { problems: string[] } }).context.problems;
  }
  throw new Error('expected CONFIG_INVALID');
}

describe('sink-loki configuration', () => {
  it('has these defaults (a change to a default shows up here in review)', () => {
    expect(sinkLokiConfigFromEnv({ KAFKA_BROKERS: '127.0.0.1:9092', LOKI_URL: 'http://127.0.0.1:3100' })).toEqual({
      kafka: { brokers: ['127.0.0.1:9092'], clientId: 'logpipe-sink-loki' },
      groupId: 'logpipe-sink-loki',
      inputTopic: 'logs.enriched',
      dlqTopic: 'logs.dlq',
      loki: { url: 'http://127.0.0.1:3100', rejectUnauthorized: true },
      job: 'dfs',
      lineFormat: 'json',
      pushFormat: 'protobuf',
      maxBatchBytes: 1_048_576,
      maxLabelValueBytes: 1024,
      maxInFlight: 2,
      partitionsInProgress: 8,
      fetchBytesPerPartition: 4_194_304,
      flushIntervalMs: 1_000,
      requestTimeoutMs: 30_000,
      retryInitialMs: 500,
      retryMaxMs: 30_000,
      sessionTimeoutMs: 30_000,
      httpPort: 8084,
      httpHost: '0.0.0.0',
      logLevel: 'info',
      shutdownTimeoutMs: 30_000,
    });
  });

  it('reads every variable and freezes the result', () => {
    const config = sinkLokiConfigFromEnv({
      KAFKA_BROKERS: 'a:1',
      SINK_LOKI_GROUP_ID: 'g',
      SINK_LOKI_INPUT_TOPIC: 'in',
      SINK_LOKI_DLQ_TOPIC: 'dlq',
      LOKI_URL: 'https://loki.example:3100/gateway',
      LOKI_TENANT_ID: 'team-a',
      LOKI_BEARER_TOKEN: 't0ken',
      LOKI_TLS_CA_FILE: '/etc/ca.pem',
      LOKI_TLS_REJECT_UNAUTHORIZED: 'false',
      SINK_LOKI_JOB: 'storage',
      SINK_LOKI_LINE_FORMAT: 'logfmt',
      SINK_LOKI_PUSH_FORMAT: 'json',
      SINK_LOKI_MAX_BATCH_BYTES: '2048',
      SINK_LOKI_MAX_LABEL_VALUE_BYTES: '256',
      SINK_LOKI_MAX_IN_FLIGHT: '4',
      SINK_LOKI_FLUSH_INTERVAL_MS: '250',
      SINK_LOKI_REQUEST_TIMEOUT_MS: '5000',
      SINK_LOKI_RETRY_INITIAL_MS: '100',
      SINK_LOKI_RETRY_MAX_MS: '1000',
      SINK_LOKI_SESSION_TIMEOUT_MS: '10000',
    });
    expect(config).toMatchObject({
      groupId: 'g',
      inputTopic: 'in',
      dlqTopic: 'dlq',
      loki: { url: 'https://loki.example:3100/gateway', tenantId: 'team-a', bearerToken: 't0ken', caFile: '/etc/ca.pem', rejectUnauthorized: false },
      job: 'storage',
      lineFormat: 'logfmt',
      pushFormat: 'json',
      maxBatchBytes: 2048,
      maxLabelValueBytes: 256,
      maxInFlight: 4,
      flushIntervalMs: 250,
      requestTimeoutMs: 5000,
      retryInitialMs: 100,
      retryMaxMs: 1000,
      sessionTimeoutMs: 10_000,
    });
    expect(Object.isFrozen(config) && Object.isFrozen(config.loki)).toBe(true);
  });

  it.each([
    [{ LOKI_URL: 'not a url' }, /^loki\.url: .*\(found "not a url"\)$/],
    [{ LOKI_URL: 'https://u:secret@loki:3100' }, /^loki\.url: put credentials in username\/password or bearerToken, not in the URL/],
    [{ LOKI_URL: 'http://l:3100', SINK_LOKI_LINE_FORMAT: 'xml' }, /^lineFormat: .*"json"\|"logfmt".*\(found "xml"\)$/],
    [{ LOKI_URL: 'http://l:3100', SINK_LOKI_PUSH_FORMAT: 'gzip' }, /^pushFormat: .*"protobuf"\|"json".*\(found "gzip"\)$/],
    [{ LOKI_URL: 'http://l:3100', SINK_LOKI_MAX_BATCH_BYTES: '0' }, /^maxBatchBytes: .*\(found 0\)$/],
    [{ LOKI_URL: 'http://l:3100', SINK_LOKI_MAX_LABEL_VALUE_BYTES: '4096' }, /^maxLabelValueBytes: .*2048.*\(found 4096\)$/],
    [{ LOKI_URL: 'http://l:3100', LOKI_BEARER_TOKEN: 't', LOKI_USERNAME: 'u', LOKI_PASSWORD: 'p' }, /^loki\.bearerToken: give either bearerToken or username\/password, not both/],
    [{ LOKI_URL: 'http://l:3100', LOKI_PASSWORD: 'p' }, /^loki\.username: a password needs a username/],
    [{ LOKI_URL: 'http://l:3100', SINK_LOKI_RETRY_INITIAL_MS: '5000', SINK_LOKI_RETRY_MAX_MS: '1000' }, /^retryMaxMs: must be at least retryInitialMs \(5000\)/],
  ])('refuses %p naming the key', (env, problem) => {
    expect(problemsOf({ KAFKA_BROKERS: 'a:1', ...env })).toEqual([expect.stringMatching(problem)]);
  });

  it('requires LOKI_URL', () => {
    expect(problemsOf({ KAFKA_BROKERS: 'a:1' })).toEqual([expect.stringMatching(/^loki: /)]);
  });

  it('never logs the password or the bearer token when the config is logged at start', () => {
    const lines: string[] = [];
    const destination = new Writable({ write: (chunk: Buffer, _enc, done) => void (lines.push(chunk.toString()), done()) });
    const logger = createLogger({ name: 'test', level: 'info', destination });
    for (const env of [{ LOKI_USERNAME: 'u', LOKI_PASSWORD: 'hunter2-secret' }, { LOKI_BEARER_TOKEN: 'hunter2-secret' }]) {
      logger.info({ config: sinkLokiConfigFromEnv({ KAFKA_BROKERS: 'a:1', LOKI_URL: 'http://l:3100', ...env }) }, 'Starting sink-loki');
    }
    expect(lines).toHaveLength(2);
    expect(lines.join('')).not.toContain('hunter2-secret');
    expect(REDACTED_PATHS).toEqual(expect.arrayContaining(['*.*.password', '*.*.bearerToken']));
  });
});
