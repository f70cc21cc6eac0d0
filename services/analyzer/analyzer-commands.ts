import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { AvroCodec } from '../../lib/codec';
import { readTopicToEnd } from '../../lib/kafka';
import { createLogger } from '../../lib/telemetry';
import { ALERT_EVENT_SCHEMA, type AlertEvent } from './alerts/alert-types';
import { alertLine, renderReport } from './report/render-report';
import { WINDOW_SUMMARY_SCHEMA, type WindowSummary } from './stats/summary-types';

export const REPORT_USAGE = `Usage: logpipe report [options]

Renders an analyzer window summary (logs.summaries) as a Markdown report, with the
alerts of that window (logs.alerts).

  --window-start T   the window starting at T (ISO-8601); default: the latest
  --list             list the windows the topic holds instead
  --json             the summary as JSON instead of Markdown
  --summaries TOPIC  (default logs.summaries)
  --alerts TOPIC     (default logs.alerts)
  --brokers LIST     (default $KAFKA_BROKERS or 127.0.0.1:9092)`;

export const ALERTS_USAGE = `Usage: logpipe alerts tail [options]

Prints alert events as they arrive on the alerts topic.

  --from-beginning   start at the oldest event instead of now
  --json             one JSON event per line
  --exit-when-idle S stop after S seconds without events (scripts, tests)
  --alerts TOPIC     (default logs.alerts)
  --brokers LIST     (default $KAFKA_BROKERS or 127.0.0.1:9092)`;

export class AnalyzerUsageError extends Error {
  override readonly name = 'AnalyzerUsageError';
}

function kafka(brokers: string | undefined): Kafka {
  return new Kafka({ clientId: 'logpipe-cli', brokers: (brokers ?? process.env.KAFKA_BROKERS ?? '127.0.0.1:9092').split(','), logLevel: logLevel.NOTHING });
}

async function readAll<T>(k: Kafka, topic: string, schema: string): Promise<T[]> {
  const codec = new AvroCodec();
  const byPartition = await readTopicToEnd(k, topic, createLogger({ name: 'logpipe-cli', level: 'silent' }), 60_000);
  return [...byPartition.values()].flat().flatMap((m) => (m.value === null ? [] : [codec.decode<T>(m.value, schema).value]));
}

export async function runReport(argv: readonly string[], out: (line: string) => void): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      'window-start': { type: 'string' },
      list: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      summaries: { type: 'string', default: 'logs.summaries' },
      alerts: { type: 'string', default: 'logs.alerts' },
      brokers: { type: 'string' },
    },
  });
  const k = kafka(values.brokers);
  const summaries = await readAll<WindowSummary>(k, values.summaries, WINDOW_SUMMARY_SCHEMA);
  summaries.sort((a, b) => a.window_start - b.window_start);
  if (values.list) {
    for (const s of summaries) out(`${new Date(s.window_start).toISOString()}  ${String(s.total).padStart(9)} records  ${String(s.errors).padStart(7)} errors`);
    return 0;
  }
  let summary: WindowSummary | undefined;
  if (values['window-start'] !== undefined) {
    const start = Date.parse(values['window-start']);
    if (!Number.isFinite(start)) throw new AnalyzerUsageError(`--window-start ${JSON.stringify(values['window-start'])} is not an ISO-8601 time`);
    summary = summaries.find((s) => s.window_start === start);
    if (summary === undefined) {
      out(`No summary for the window starting ${new Date(start).toISOString()} in ${values.summaries} (${summaries.length} windows; see --list).`);
      return 1;
    }
  } else summary = summaries.at(-1);
  if (summary === undefined) {
    out(`${values.summaries} holds no summary yet: the analyzer publishes a window when event time has passed its end.`);
    return 1;
  }
  if (values.json) {
    out(JSON.stringify(summary));
    return 0;
  }
  const alerts = await readAll<AlertEvent>(k, values.alerts, ALERT_EVENT_SCHEMA).catch(() => [] as AlertEvent[]);
  out(renderReport(summary, alerts));
  return 0;
}

export async function runAlerts(argv: readonly string[], out: (line: string) => void): Promise<number> {
  const [sub, ...rest] = argv;
  if (sub !== 'tail') throw new AnalyzerUsageError(`unknown alerts subcommand ${JSON.stringify(sub ?? '')}\n${ALERTS_USAGE}`);
  const { values } = parseArgs({
    args: rest,
    options: {
      'from-beginning': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      'exit-when-idle': { type: 'string' },
      alerts: { type: 'string', default: 'logs.alerts' },
      brokers: { type: 'string' },
    },
  });
  const idleMs = values['exit-when-idle'] === undefined ? undefined : Number(values['exit-when-idle']) * 1000;
  if (idleMs !== undefined && !(idleMs > 0)) throw new AnalyzerUsageError(`--exit-when-idle takes a number of seconds, not ${JSON.stringify(values['exit-when-idle'])}`);
  const codec = new AvroCodec();
  // A group of its own that is never committed: every tail starts where it is told to.
  const consumer = kafka(values.brokers).consumer({ groupId: `logpipe-alerts-tail-${process.pid}-${Date.now()}`, readUncommitted: false });
  await consumer.connect();
  await consumer.subscribe({ topic: values.alerts, fromBeginning: values['from-beginning'] });
  if (!values.json) out(['STATUS  ', 'SEVERITY', 'RULE'.padEnd(20), 'GROUP'.padEnd(18), 'WINDOW'.padEnd(30), 'ID'.padEnd(12), 'MESSAGE'].join('  '));
  let last = Date.now();
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ message }) => {
      last = Date.now();
      if (message.value === null) return;
      const alert = codec.decode<AlertEvent>(message.value, ALERT_EVENT_SCHEMA).value;
      out(values.json ? JSON.stringify(alert) : alertLine(alert));
    },
  });
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    if (idleMs !== undefined) {
      const timer = setInterval(() => {
        if (Date.now() - last >= idleMs) {
          clearInterval(timer);
          resolve();
        }
      }, 200);
    }
  });
  await consumer.disconnect();
  return 0;
}
