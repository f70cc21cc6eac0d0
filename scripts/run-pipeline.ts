/**
 * `npm start`: the whole pipeline on the local stack. Brings the stack up, creates the
 * pipeline's topics, then runs every service that has landed, plus the load generator,
 * until Ctrl-C.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { PIPELINE_TOPICS } from '../ops/pipeline-topology';
import { runTopics } from '../ops/topics-command';
import { LocalStack } from '../stack/local-stack';
import { stackConfigFromEnv } from '../stack/stack-config';
import { StackError } from '../stack/stack-error';

async function main(): Promise<void> {
  const stack = new LocalStack(stackConfigFromEnv());
  await stack.up(undefined, (line) => console.log(line));
  const brokers = [stack.server('kafka').endpoint];
  await runTopics(['create', '--partitions', '3', '--brokers', brokers.join(',')], (line) => console.log(`  ${line}`));
  console.log(`topics ready: ${PIPELINE_TOPICS.map((t) => t.name).join(', ')}`);
  console.log(`Kafka ${brokers.join(',')}  Elasticsearch ${stack.server('elasticsearch').endpoint}  Loki ${stack.server('loki').endpoint}`);

  // The services that have landed, each a real process, as they would run in production.
  const geoipDir = path.resolve(__dirname, '..', '..', 'shared', 'geoip');
  const geoip = fs.existsSync(path.join(geoipDir, 'GeoLite2-City-Test.mmdb'))
    ? { GEOIP_CITY_DB: path.join(geoipDir, 'GeoLite2-City-Test.mmdb'), GEOIP_ASN_DB: path.join(geoipDir, 'GeoLite2-ASN-Test.mmdb') }
    : {};
  const env = { ...process.env, KAFKA_BROKERS: brokers.join(','), LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' };
  const children = [
    service('enricher', ['services/enricher/main.ts'], { ...env, ...geoip, HTTP_PORT: '8081', ENRICHER_INSTANCE_ID: 'local-1' }),
    service('sink-es', ['services/sink-es/main.ts'], { ...env, ES_URL: stack.server('elasticsearch').endpoint, HTTP_PORT: '8082' }),
    service('analyzer', ['services/analyzer/main.ts'], { ...env, HTTP_PORT: '8083', ANALYZER_INSTANCE_ID: 'local-1' }),
    service('load generator', ['cli/main.ts', 'produce', '--rate', process.env.LOGPIPE_RATE ?? '200', '--duration', '86400'], env),
  ];
  console.log('Running: enricher (metrics on :8081), sink-es (:8082), analyzer (:8083) and the load generator (LOGPIPE_RATE records/s, default 200).');
  console.log('Try: npm run logpipe -- stats --hours 1   npm run logpipe -- search --level ERROR --since 15m   npm run logpipe -- alerts tail');
  console.log('Ctrl-C stops the services; the stack keeps running until `npm run stack -- down`.');
  const stop = (): void => {
    for (const child of children) child.kill('SIGTERM');
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await Promise.all(children.map((child) => new Promise((resolve) => child.once('exit', resolve))));
}

function service(name: string, args: string[], env: NodeJS.ProcessEnv): ChildProcess {
  const child = spawn(process.execPath, [path.join(__dirname, '..', 'node_modules', 'tsx', 'dist', 'cli.mjs'), ...args], { env, stdio: 'inherit', cwd: path.join(__dirname, '..') });
  child.once('exit', (code, signal) => console.log(`${name} exited (${signal ?? `code ${code}`})`));
  return child;
}

main().catch((err: unknown) => {
  console.error(err instanceof StackError ? err.message : `Unexpected failure: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
