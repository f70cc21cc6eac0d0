import os from 'node:os';
import { isLogpipeError } from '../../../../lib/errors';
import { enricherConfigFromEnv } from '../../../../services/enricher/enricher-config';

describe('enricher configuration', () => {
  it('has these defaults (a change to a default shows up here in review)', () => {
    expect(enricherConfigFromEnv({ KAFKA_BROKERS: '127.0.0.1:9092' })).toEqual({
      kafka: { brokers: ['127.0.0.1:9092'], clientId: 'logpipe-enricher' },
      groupId: 'logpipe-enricher',
      instanceId: os.hostname(),
      inputTopic: 'logs.raw',
      outputTopic: 'logs.enriched',
      dlqTopic: 'logs.dlq',
      geoip: {},
      sessionTimeoutMs: 30_000,
      workerThreads: 1,
      passThrough: false,
      minTimestamp: '2000-01-01T00:00:00Z',
      maxFutureSkewSec: 86_400,
      maxMessageBytes: 131_072,
      maxOutputBytes: 1_000_000,
      httpPort: 8081,
      httpHost: '0.0.0.0',
      logLevel: 'info',
      shutdownTimeoutMs: 30_000,
    });
  });

  it('reads every variable and freezes the result', () => {
    const config = enricherConfigFromEnv({
      KAFKA_BROKERS: 'a:1, b:2',
      KAFKA_SASL_MECHANISM: 'scram-sha-512',
      KAFKA_SASL_USERNAME: 'u',
      KAFKA_SASL_PASSWORD: 'p',
      ENRICHER_INSTANCE_ID: 'e-2',
      GEOIP_CITY_DB: '/x/city.mmdb',
      ENRICHER_PASS_THROUGH: 'true',
      ENRICHER_WORKER_THREADS: '0',
      HTTP_PORT: '0',
    });
    expect(config).toMatchObject({ kafka: { brokers: ['a:1', 'b:2'], sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p' } }, instanceId: 'e-2', geoip: { cityDb: '/x/city.mmdb' }, workerThreads: 0, passThrough: true, httpPort: 0 });
    expect(Object.isFrozen(config) && Object.isFrozen(config.kafka)).toBe(true);
  });

  it('reports every bad key at once, with the value and what was expected', () => {
    let error: unknown;
    try {
      enricherConfigFromEnv({ KAFKA_BROKERS: 'nohost', HTTP_PORT: 'eighty', ENRICHER_PASS_THROUGH: 'maybe', ENRICHER_MIN_TIMESTAMP: 'last tuesday', KAFKA_SASL_MECHANISM: 'md5' });
    } catch (err) {
      error = err;
    }
    expect(isLogpipeError(error, 'CONFIG_INVALID')).toBe(true);
    const problems = (error as { context: { problems: string[] } }).context.problems;
    expect(problems).toHaveLength(7);
    expect(problems).toEqual(
      expect.arrayContaining([
        'kafka.brokers.0: expected host:port (found "nohost")',
        expect.stringMatching(/^kafka\.sasl\.mechanism: .*"plain"\|"scram-sha-256"\|"scram-sha-512".* \(found "md5"\)$/),
        expect.stringMatching(/^kafka\.sasl\.username: .*\(found undefined\)$/),
        expect.stringMatching(/^httpPort: .*expected number.* \(found "eighty"\)$/),
        expect.stringMatching(/^passThrough: .*expected boolean.* \(found "maybe"\)$/),
        expect.stringMatching(/^minTimestamp: .* \(found "last tuesday"\)$/),
      ]),
    );
  });

  it('rejects unknown keys from the config file', () => {
    const fs = jest.requireActual<typeof import('node:fs')>('node:fs');
    const file = `${os.tmpdir()}/enricher-${process.pid}.json`;
    fs.writeFileSync(file, JSON.stringify({ inputTopic: 'x', inptuTopic: 'typo' }));
    expect(() => enricherConfigFromEnv({ LOGPIPE_CONFIG_FILE: file, KAFKA_BROKERS: 'a:1' })).toThrow(/inptuTopic: unknown key/);
    fs.rmSync(file);
  });
});
