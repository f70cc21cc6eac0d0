import { ExistingServersProvider } from './existing-servers-provider';
import { ProcessProvider } from './process-provider';
import type { ServerProvider } from './server-provider';

declare global {
  // Shared between globalSetup and globalTeardown, which jest runs in one process.
  var logpipeServerProvider: ServerProvider | undefined;
}

/** Starts the servers once per test run and publishes their endpoints to the test workers through env. */
export default async function globalSetup(): Promise<void> {
  const provider: ServerProvider = ExistingServersProvider.fromEnv(process.env) ?? new ProcessProvider();
  const started = Date.now();
  const endpoints = await provider.start();
  process.stderr.write(`\n[stack] using ${provider.description}, ready in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  process.env.KAFKA_BROKERS = endpoints.kafkaBrokers;
  process.env.ES_URL = endpoints.esUrl;
  process.env.LOKI_URL = endpoints.lokiUrl;
  globalThis.logpipeServerProvider = provider;
}
