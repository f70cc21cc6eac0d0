/**
 * `npm start`: the whole pipeline on the local stack. Brings the stack up, creates the
 * pipeline's topics, then runs every service that has landed until Ctrl-C.
 */
import { Kafka, logLevel } from 'kafkajs';
import { LocalStack } from '../stack/local-stack';
import { stackConfigFromEnv } from '../stack/stack-config';
import { StackError } from '../stack/stack-error';

const TOPICS = ['logs.raw', 'logs.enriched', 'logs.dlq', 'logs.alerts', 'logs.summaries'];

async function main(): Promise<void> {
  const stack = new LocalStack(stackConfigFromEnv());
  await stack.up(undefined, (line) => console.log(line));
  const brokers = [stack.server('kafka').endpoint];
  const admin = new Kafka({ clientId: 'logpipe-start', brokers, logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  const existing = new Set(await admin.listTopics());
  const missing = TOPICS.filter((t) => !existing.has(t));
  if (missing.length > 0) {
    await admin.createTopics({ topics: missing.map((topic) => ({ topic, numPartitions: 3, replicationFactor: 1 })), waitForLeaders: true });
  }
  await admin.disconnect();
  console.log(`topics ready: ${TOPICS.join(', ')}`);
  console.log(`Kafka ${brokers.join(',')}  Elasticsearch ${stack.server('elasticsearch').endpoint}  Loki ${stack.server('loki').endpoint}`);
  console.log('The stack keeps running; stop it with `npm run stack -- down`.');
}

main().catch((err: unknown) => {
  console.error(err instanceof StackError ? err.message : `Unexpected failure: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
