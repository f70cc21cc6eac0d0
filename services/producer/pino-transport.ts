/**
 * A pino transport that publishes every log line as a LogRecord through a log collector:
 *
 *   pino(pino.transport({ target: require.resolve('logpipe/dist/services/producer/pino-transport.js'),
 *                         options: { nodeId, service, kafka: { brokers, clientId } } }))
 *
 * It runs in pino's worker thread. A line the collector refuses (no msg, unknown level) is
 * reported on stderr with the reason and skipped; it never stops the app's logging.
 */
import build from 'pino-abstract-transport';
import { isLogpipeError } from '../../lib/errors';
import { createLogger } from '../../lib/telemetry';
import type { CollectorConfigInput } from './collector-config';
import { createLogCollector } from './log-collector';
import { pinoLineToCall } from './pino-record';

export type PinoTransportOptions = CollectorConfigInput & {
  /** Component for lines without a `component` field; default `app`. */
  readonly defaultComponent?: string;
};

export default async function logpipeTransport(options: PinoTransportOptions) {
  // pino adds `$context` and `pinoWillSendConfig` to a transport's options; they are not ours.
  const { defaultComponent = 'app', $context: _context, pinoWillSendConfig: _willSend, ...collectorOptions } = options as PinoTransportOptions & {
    $context?: unknown;
    pinoWillSendConfig?: unknown;
  };
  // Own diagnostics go to stderr: stdout may be the app's own log stream.
  const logger = createLogger({ name: 'logpipe-pino-transport', destination: process.stderr });
  // The worker is closed by pino on exit; the app's signal handling stays the app's.
  // pino gives a transport 10 s to end before it errors; report what is undelivered before that.
  const collector = createLogCollector({ closeTimeoutMs: 8_000, ...collectorOptions, closeOnSignals: false }, { logger });
  let skipped = 0;
  return build(
    async (source: AsyncIterable<Record<string, unknown>>) => {
      for await (const line of source) {
        const call = pinoLineToCall(line, { defaultComponent });
        try {
          await collector.log(call.level, call.message, call.component, call.context as object, {
            ...(call.traceId === undefined ? {} : { traceId: call.traceId }),
            ...(call.spanId === undefined ? {} : { spanId: call.spanId }),
            ...(call.timestampMicros === undefined ? {} : { timestampMicros: call.timestampMicros }),
          });
        } catch (err) {
          if (!isLogpipeError(err)) throw err;
          skipped++;
          logger.warn({ code: err.code, field: err.context.field, skipped }, `pino line not published: ${err.message}`);
        }
      }
    },
    {
      async close() {
        const report = await collector.close();
        if (report.unsent + report.failed > 0) logger.error(report, 'pino transport closed with undelivered records');
      },
    },
  );
}
