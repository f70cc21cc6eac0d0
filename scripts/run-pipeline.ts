/**
 * `npm start`: the whole pipeline on the local stack. Brings the stack up, creates the
 * pipeline's topics, then runs every service that has landed, plus the load generator,
 * until Ctrl-C.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { PIPELINE_TOPICS } from '../ops/pipeline-topology';
import { runAlerts, runReport } from '../services/analyzer/analyzer-commands';
import { runSearch, runStats } from '../services/sink-es/query-commands';
import { runLabelValues, runLogQuery } from '../services/sink-loki/query-commands';
import { ProgressReader, progressLine } from './pipeline-progress';
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
  // MaxMind's test databases (the demo's public addresses are in them); production points at its own.
  const geoipDir = path.resolve(__dirname, '..', 'test', 'fixtures', 'geoip');
  const geoip = { GEOIP_CITY_DB: path.join(geoipDir, 'GeoLite2-City-Test.mmdb'), GEOIP_ASN_DB: path.join(geoipDir, 'GeoLite2-ASN-Test.mmdb') };
  const env = { ...process.env, KAFKA_BROKERS: brokers.join(','), LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' };
  const esUrl = stack.server('elasticsearch').endpoint;
  const lokiUrl = stack.server('loki').endpoint;
  // One-minute summaries so that a demo of a few minutes ends with a closed window to report.
  const windowMs = process.env.LOGPIPE_WINDOW_MS ?? '60000';
  const duration = process.env.LOGPIPE_DURATION ?? '86400';
  const children = [
    service('enricher', ['services/enricher/main.ts'], { ...env, ...geoip, HTTP_PORT: '8081', ENRICHER_INSTANCE_ID: 'local-1' }),
    service('sink-es', ['services/sink-es/main.ts'], { ...env, ES_URL: esUrl, HTTP_PORT: '8082' }),
    service('sink-loki', ['services/sink-loki/main.ts'], { ...env, LOKI_URL: lokiUrl, HTTP_PORT: '8084' }),
    service('analyzer', ['services/analyzer/main.ts'], { ...env, HTTP_PORT: '8083', ANALYZER_INSTANCE_ID: 'local-1', ANALYZER_SUMMARY_WINDOW_MS: windowMs, ANALYZER_ALLOWED_LATENESS_MS: '5000', ANALYZER_IDLE_TIMEOUT_MS: '5000' }),
  ];
  const generator = service('load generator', ['cli/main.ts', 'produce', '--rate', process.env.LOGPIPE_RATE ?? '200', '--duration', duration], env);
  console.log(`Running: enricher (metrics on :8081), sink-es (:8082), sink-loki (:8084), analyzer (:8083, ${Number(windowMs) / 1000} s summaries) and the load generator (LOGPIPE_RATE records/s, default 200${process.env.LOGPIPE_DURATION ? `, for ${duration} s` : ''}).`);
  console.log('Ctrl-C stops the services and prints a report; the stack keeps running until `npm run stack -- down`.');

  const progress = new ProgressReader({ brokers, esUrl, lokiUrl, metrics: { enricher: 'http://127.0.0.1:8081', analyzer: 'http://127.0.0.1:8083' } });
  const started = Date.now();
  let reading = false;
  const ticker = setInterval(() => {
    if (reading) return;
    reading = true;
    void progress
      .read()
      .then((p) => console.log(progressLine(p, (Date.now() - started) / 1000)))
      .finally(() => (reading = false));
  }, 1_000);

  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
    generator.once('exit', () => setTimeout(resolve, 15_000)); // a bounded demo: let the pipeline drain, then report
  });
  clearInterval(ticker);
  generator.kill('SIGTERM');
  console.log('\nStopping the services (each finishes and commits its batch in flight)...');
  for (const child of children) child.kill('SIGTERM');
  await Promise.all([generator, ...children].map((child) => (child.exitCode !== null || child.signalCode !== null ? undefined : new Promise((r) => child.once('exit', r)))));
  console.log(progressLine(await progress.read(), (Date.now() - started) / 1000));
  await finalReport(brokers.join(','), esUrl, lokiUrl);
}

/** What a newcomer wants to see at the end: a window report, example searches and the alerts. */
async function finalReport(brokers: string, esUrl: string, lokiUrl: string): Promise<void> {
  const print = (line: string) => console.log(line);
  const section = (title: string) => console.log(`\n==== ${title} ====`);
  const attempt = async (what: string, run: () => Promise<unknown>) => {
    try {
      await run();
    } catch (err) {
      console.log(`(${what} failed: ${err instanceof Error ? err.message : String(err)})`);
    }
  };
  section('latest window report (logpipe report)');
  await attempt('report', () => runReport(['--brokers', brokers], print));
  section('logpipe search --level ERROR --since 1h --limit 5');
  await attempt('search', () => runSearch(['--level', 'ERROR', '--since', '1h', '--limit', '5', '--es', esUrl], print));
  section('logpipe stats --hours 1');
  await attempt('stats', () => runStats(['--hours', '1', '--es', esUrl], print));
  section('logpipe logql \'{job="dfs", level="ERROR"}\' --since 1h --limit 5');
  await attempt('logql', () => runLogQuery(['{job="dfs", level="ERROR"}', '--since', '1h', '--limit', '5', '--loki', lokiUrl], print));
  section('logpipe labels component');
  await attempt('labels', () => runLabelValues(['component', '--loki', lokiUrl], print));
  section('alerts received (logpipe alerts tail --from-beginning)');
  await attempt('alerts', () => runAlerts(['tail', '--from-beginning', '--exit-when-idle', '3', '--brokers', brokers], print));
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
