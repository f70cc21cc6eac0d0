import { LocalStack } from '../../stack/local-stack';
import { stackConfigFromEnv } from '../../stack/stack-config';
import { testEndpoints } from './test-endpoints';

/** The local stack of this checkout (the servers tests may stop, throttle or reconfigure). */
export const localStack = new LocalStack(stackConfigFromEnv());

/** Whether this run's server is the local stack's own process: only then may a test stop or reconfigure it. */
export function managedByLocalStack(server: 'elasticsearch' | 'kafka' | 'loki'): boolean {
  const s = localStack.server(server);
  if (!s.process.isRunning()) return false;
  const { kafkaBrokers, esUrl, lokiUrl } = testEndpoints();
  return { kafka: kafkaBrokers.includes(s.endpoint), elasticsearch: s.endpoint === esUrl, loki: s.endpoint === lokiUrl }[server];
}
