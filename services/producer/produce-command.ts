import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { configFromEnv, KAFKA_ENV } from '../../lib/config';
import { isLogpipeError } from '../../lib/errors';
import { createLogger } from '../../lib/telemetry';
import { readJsonLines } from './load/json-lines-source';
import { SyntheticLogs, type SyntheticEntry } from './load/synthetic-logs';
import { createLogCollector } from './log-collector';

export const PRODUCE_USAGE = `Usage: logpipe produce [options]

Publishes synthetic platform logs (deterministic for a --seed) or a JSON-lines file to Kafka.

  --rate N            records per second; 0 = as fast as possible (default 1000)
  --count N           stop after N records (default: 10000 unless --duration is given)
  --duration S        stop after S seconds
  --nodes N           number of storage nodes (default 5)
  --seed N            random seed (default 1)
  --error-ratio F     fraction of ERROR/CRITICAL records (default 0.05)
  --warning-ratio F   fraction of WARNING records (default 0.15)
  --from FILE|-       publish standardized JSON-lines entries from FILE or stdin instead;
                      bad lines are reported with their number and skipped
  --topic NAME        (default logs.raw)
  --brokers LIST      (default $KAFKA_BROKERS or 127.0.0.1:9092; TLS and SASL from KAFKA_SSL*, KAFKA_SASL_*)
  --service NAME      service of synthetic records (default storage-node)`;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

function numberOption(name: string, raw: string | undefined, fallback: number, check: (n: number) => boolean, expected: string): number {
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (!Number.isFinite(n) || !check(n)) throw new UsageError(`--${name} is ${JSON.stringify(raw)}, expected ${expected}`);
  return n;
}

export interface ProduceResult {
  readonly produced: number;
  readonly badLines: number;
  readonly seconds: number;
}

export async function runProduce(argv: readonly string[], out: (line: string) => void, env: NodeJS.ProcessEnv = process.env): Promise<ProduceResult> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      rate: { type: 'string' },
      count: { type: 'string' },
      duration: { type: 'string' },
      nodes: { type: 'string' },
      seed: { type: 'string' },
      'error-ratio': { type: 'string' },
      'warning-ratio': { type: 'string' },
      from: { type: 'string' },
      topic: { type: 'string' },
      brokers: { type: 'string' },
      service: { type: 'string' },
    },
    strict: true,
  });
  const isFraction = (n: number): boolean => n >= 0 && n <= 1;
  const rate = numberOption('rate', values.rate, 1000, (n) => n >= 0, 'a number of records per second, 0 for unlimited');
  const durationS = numberOption('duration', values.duration, Number.POSITIVE_INFINITY, (n) => n > 0, 'seconds above 0');
  const count = numberOption('count', values.count, values.duration === undefined ? 10_000 : Number.POSITIVE_INFINITY, (n) => Number.isInteger(n) && n > 0, 'a positive integer');
  const nodes = numberOption('nodes', values.nodes, 5, (n) => Number.isInteger(n) && n > 0, 'a positive integer');
  const seed = numberOption('seed', values.seed, 1, Number.isInteger, 'an integer');
  const errorRatio = numberOption('error-ratio', values['error-ratio'], 0.05, isFraction, 'a fraction between 0 and 1');
  const warningRatio = numberOption('warning-ratio', values['warning-ratio'], 0.15, isFraction, 'a fraction between 0 and 1');
  if (errorRatio + warningRatio > 1) throw new UsageError('--error-ratio plus --warning-ratio is above 1');
  const brokers = (values.brokers ?? env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(',');
  // TLS and SASL come from the same KAFKA_* variables as the services'.
  const { kafka: kafkaFromEnv } = configFromEnv(env, KAFKA_ENV) as { kafka?: Record<string, unknown> };

  const logger = createLogger({ name: 'logpipe-produce', destination: process.stderr, level: env.LOG_LEVEL ?? 'warn' });
  const collector = createLogCollector(
    // The command stops its own loop on a signal and then closes: the collector must not close under it.
    { nodeId: 'loadgen', service: values.service ?? 'storage-node', topic: values.topic ?? 'logs.raw', kafka: { ...kafkaFromEnv, brokers, clientId: 'logpipe-produce' }, closeOnSignals: false },
    { logger },
  );
  let interrupted = false;
  const interrupt = (): void => {
    interrupted = true;
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  const source = values.from === undefined ? synthetic(new SyntheticLogs({ seed, nodes, errorRatio, warningRatio, service: values.service ?? 'storage-node', version: '1.0.0' })) : fileEntries(values.from, out);
  const started = Date.now();
  const deadline = started + durationS * 1000;
  let produced = 0;
  let badLines = 0;
  for await (const item of source) {
    if (interrupted || produced >= count || Date.now() >= deadline) break;
    if ('bad' in item) {
      badLines++;
      continue;
    }
    try {
      await collector.publish(item.call, item.origin);
      produced++;
    } catch (err) {
      if (!isLogpipeError(err) || item.lineNumber === undefined) throw err;
      badLines++;
      out(`line ${item.lineNumber}: ${err.message}`);
      continue;
    }
    if (rate > 0) {
      // Pace against the schedule, not per record, so the average holds at any rate.
      const aheadMs = (produced / rate) * 1000 - (Date.now() - started);
      if (aheadMs > 5) await sleep(aheadMs);
    }
  }
  process.off('SIGINT', interrupt);
  process.off('SIGTERM', interrupt);
  const report = await collector.close();
  const seconds = (Date.now() - started) / 1000;
  out(`produced ${report.sent} records in ${seconds.toFixed(1)} s (${Math.round(report.sent / seconds)} records/s)${values.from === undefined ? '' : `; ${badLines} bad lines skipped`}`);
  if (report.unsent + report.failed + report.dropped > 0) throw new Error(`${report.unsent + report.failed + report.dropped} records were not delivered: ${report.reason ?? 'see the log'}`);
  return { produced: report.sent, badLines, seconds };
}

type SourceItem = (SyntheticEntry & { lineNumber?: number }) | { bad: true };

async function* synthetic(logs: SyntheticLogs): AsyncGenerator<SourceItem> {
  for (;;) yield logs.next();
}

async function* fileEntries(file: string, out: (line: string) => void): AsyncGenerator<SourceItem> {
  for await (const line of readJsonLines(file)) {
    if ('error' in line) {
      out(`line ${line.lineNumber}: ${line.error}`);
      yield { bad: true };
    } else yield { ...line.entry, lineNumber: line.lineNumber };
  }
}
