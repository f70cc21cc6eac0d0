import type { Logger } from '../../lib/telemetry';
import { counter, gauge, histogram, type Registry } from '../../lib/telemetry';

/** Every event of the collector that an operator sees: the log line and the metric, together. */
export class ProducerTelemetry {
  private readonly records;
  private readonly retries;
  private readonly buffered;
  private readonly batchRecords;
  private readonly sendSeconds;
  private droppedSinceReport = 0;

  constructor(
    private readonly logger: Logger,
    registry: Registry,
    private readonly topic: string,
  ) {
    this.records = counter(registry, 'logpipe_producer_records_total', 'Records by outcome: sent (acknowledged), dropped (buffer full), failed (not retriable).', ['topic', 'outcome']);
    this.retries = counter(registry, 'logpipe_producer_send_retries_total', 'Produce requests retried after a retriable error.', ['topic']);
    this.buffered = gauge(registry, 'logpipe_producer_buffer_records', 'Records waiting in the collector buffer.', ['topic']);
    this.batchRecords = histogram(registry, 'logpipe_producer_batch_records', 'Records per produce request.', [1, 10, 100, 500, 1000, 2500, 5000, 10000], ['topic']);
    this.sendSeconds = histogram(registry, 'logpipe_producer_send_duration_seconds', 'Time from request to acknowledgement.', [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5], ['topic']);
  }

  batchSent(records: number, seconds: number): void {
    this.records.inc({ topic: this.topic, outcome: 'sent' }, records);
    this.batchRecords.observe({ topic: this.topic }, records);
    this.sendSeconds.observe({ topic: this.topic }, seconds);
  }

  sendRetried(attempt: number, records: number, delayMs: number, err: unknown): void {
    this.retries.inc({ topic: this.topic });
    const log = attempt >= 5 ? this.logger.error.bind(this.logger) : this.logger.warn.bind(this.logger);
    log({ topic: this.topic, attempt, records, delayMs, err: errorSummary(err) }, 'Produce request failed; retrying the same batch, records stay buffered');
  }

  batchFailed(records: number, err: unknown): void {
    this.records.inc({ topic: this.topic, outcome: 'failed' }, records);
    this.logger.error({ topic: this.topic, records, err: errorSummary(err) }, 'Produce request failed with an error that retrying cannot fix; these records are lost');
  }

  recordDropped(): void {
    this.records.inc({ topic: this.topic, outcome: 'dropped' });
    this.droppedSinceReport++;
  }

  /** The periodic warning for the drop policy: never a silent drop. */
  reportDrops(): void {
    if (this.droppedSinceReport === 0) return;
    this.logger.warn({ topic: this.topic, dropped: this.droppedSinceReport }, 'Log buffer was full: records were dropped (overflow policy drop)');
    this.droppedSinceReport = 0;
  }

  bufferSize(records: number): void {
    this.buffered.set({ topic: this.topic }, records);
  }
}

export function errorSummary(err: unknown): { name: string; message: string; code?: string | number } {
  if (err instanceof Error) {
    const withType = err as Error & { type?: string; code?: string | number };
    return { name: err.name, message: err.message, ...(withType.type ?? withType.code ? { code: withType.type ?? withType.code } : {}) };
  }
  return { name: 'unknown', message: String(err) };
}
