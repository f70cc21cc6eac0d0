import type { Endpoints } from './server-provider';

/** The endpoints globalSetup published; fails loudly if a test runs without it. */
export function testEndpoints(): Endpoints {
  const { KAFKA_BROKERS, ES_URL, LOKI_URL } = process.env;
  if (!KAFKA_BROKERS || !ES_URL || !LOKI_URL) {
    throw new Error('KAFKA_BROKERS, ES_URL and LOKI_URL are unset: run integration tests through jest (its globalSetup starts the stack).');
  }
  return { kafkaBrokers: KAFKA_BROKERS, esUrl: ES_URL, lokiUrl: LOKI_URL };
}
