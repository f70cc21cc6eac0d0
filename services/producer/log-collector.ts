import { Partitioners, type Producer } from 'kafkajs';
import { AvroCodec } from '../../lib/codec';
import { LogpipeError } from '../../lib/errors';
import { createKafka } from '../../lib/kafka';
import { LOG_RECORD_SCHEMA } from '../../lib/records';
import { createLogger, defaultRegistry, type Logger, type Registry } from '../../lib/telemetry';
import { BatchSender } from './batch-sender';
import { buildLogRecord, type LogCall, type RecordOrigin } from './build-log-record';
import { parseCollectorConfig, type CollectorConfig, type CollectorConfigInput } from './collector-config';
import { errorSummary, ProducerTelemetry } from './producer-telemetry';
import { RecordBuffer } from './record-buffer';
import { SignalCloser } from './signal-closer';

export interface TraceContext {
  readonly traceId?: string;
  readonly spanId?: string;
  /** Event time in microseconds since the epoch; now when omitted. */
  readonly timestampMicros?: number;
}

export interface CollectorStats {
  /** Accepted into the buffer or waiting for room. */
  readonly enqueued: number;
  readonly sent: number;
  readonly failed: number;
  readonly dropped: number;
  readonly buffered: number;
}

export interface CloseReport extends CollectorStats {
  /** Records neither acknowledged nor counted as failed or dropped when close() gave up. */
  readonly unsent: number;
  /** Why records were not delivered, when some were not. */
  readonly reason?: string;
}

export interface LogCollectorDeps {
  readonly logger?: Logger;
  readonly registry?: Registry;
  readonly codec?: AvroCodec;
}

type LevelMethod = (message: string, component: string, context?: object, trace?: TraceContext) => Promise<void>;

/** Publishes an app's log entries to Kafka as Avro LogRecords. See createLogCollector. */
export class LogCollector {
  readonly config: CollectorConfig;
  private readonly logger: Logger;
  private readonly codec: AvroCodec;
  private readonly telemetry: ProducerTelemetry;
  private readonly producer: Producer;
  private readonly sender: BatchSender;
  private readonly buffer: RecordBuffer;
  private readonly signals: SignalCloser;
  private readonly dropTimer: NodeJS.Timeout;
  private readonly senderDone: Promise<void>;
  private wake: (() => void) | undefined;
  private flushWaiters: Array<{ target: number; resolve: () => void }> = [];
  private enqueued = 0;
  private sent = 0;
  private failed = 0;
  private dropped = 0;
  private lastError: unknown;
  private closing = false;
  private closeDeadline = Number.POSITIVE_INFINITY;
  private closed: Promise<CloseReport> | undefined;
  private connected = false;

  readonly debug: LevelMethod = (m, c, ctx, t) => this.log('DEBUG', m, c, ctx, t);
  readonly info: LevelMethod = (m, c, ctx, t) => this.log('INFO', m, c, ctx, t);
  readonly warning: LevelMethod = (m, c, ctx, t) => this.log('WARNING', m, c, ctx, t);
  readonly warn: LevelMethod = this.warning;
  readonly error: LevelMethod = (m, c, ctx, t) => this.log('ERROR', m, c, ctx, t);
  readonly critical: LevelMethod = (m, c, ctx, t) => this.log('CRITICAL', m, c, ctx, t);

  constructor(options: CollectorConfigInput, deps: LogCollectorDeps = {}) {
    this.config = parseCollectorConfig(options);
    this.logger = (deps.logger ?? createLogger({ name: 'logpipe-producer' })).child({ module: 'log-collector', topic: this.config.topic });
    this.codec = deps.codec ?? new AvroCodec();
    this.telemetry = new ProducerTelemetry(this.logger, deps.registry ?? defaultRegistry, this.config.topic);
    this.producer = createKafka(this.config.kafka, this.logger).producer({
      idempotent: true,
      // One request in flight: ordering per node survives retries, and kafkajs's idempotent mode asks for it.
      maxInFlightRequests: 1,
      createPartitioner: Partitioners.DefaultPartitioner,
      // Short internal retries: BatchSender retries the batch itself, visibly, and close() must not wait on kafkajs.
      retry: { retries: 2, initialRetryTime: 100, maxRetryTime: 1_000 },
    });
    this.sender = new BatchSender(this.producer, this.config, this.telemetry);
    this.buffer = new RecordBuffer({ maxRecords: this.config.maxBufferRecords, maxBytes: this.config.maxBufferBytes }, this.config.overflow, () => this.wakeSender());
    this.dropTimer = setInterval(() => this.telemetry.reportDrops(), this.config.dropReportIntervalMs).unref();
    this.signals = new SignalCloser(this.config.closeOnSignals, () => this.close());
    this.senderDone = this.runSender();
  }

  /**
   * Validates and encodes one entry, then buffers it. Throws PRODUCER_INVALID_RECORD at once
   * for bad input. Resolves when the record is buffered (block policy: waits for room),
   * not when Kafka acknowledged it; flush() waits for that.
   */
  log(level: unknown, message: unknown, component: unknown, context?: object, trace: TraceContext = {}): Promise<void> {
    const call: LogCall = { level, message, component, context, traceId: trace.traceId, spanId: trace.spanId, timestampMicros: trace.timestampMicros };
    return this.publish(call, this.config);
  }

  /**
   * Publishes an entry on behalf of another origin (service, node, version): the load generator
   * and file import use it. The Kafka key is that origin's node.
   */
  publish(call: LogCall, origin: RecordOrigin): Promise<void> {
    if (this.closing) throw new LogpipeError('PRODUCER_CLOSED', 'log() after close(): the collector no longer accepts records');
    if (typeof origin.service !== 'string' || origin.service === '') throw new LogpipeError('PRODUCER_INVALID_RECORD', `service is ${JSON.stringify(origin.service)}, expected a non-empty string`, { context: { field: 'service', value: origin.service } });
    if (typeof origin.nodeId !== 'string' || origin.nodeId === '') throw new LogpipeError('PRODUCER_INVALID_RECORD', `node_id is ${JSON.stringify(origin.nodeId)}, expected a non-empty string`, { context: { field: 'node_id', value: origin.nodeId } });
    const record = buildLogRecord(call, origin);
    const value = this.codec.encode(LOG_RECORD_SCHEMA, record);
    if (value.length > this.config.maxRecordBytes) {
      throw new LogpipeError('PRODUCER_INVALID_RECORD', `record is ${value.length} bytes encoded, above maxRecordBytes ${this.config.maxRecordBytes}; shorten message or context`, {
        context: { field: 'message', value: value.length },
      });
    }
    this.enqueued++;
    return this.buffer.offer({ key: origin.nodeId, value }).then((accepted) => {
      if (!accepted) {
        this.dropped++;
        this.telemetry.recordDropped();
        this.settle();
      }
    });
  }

  /** Resolves when every record logged before the call is acknowledged (or counted as failed/dropped). */
  flush(): Promise<void> {
    const target = this.enqueued;
    if (this.settledCount() >= target) return Promise.resolve();
    return new Promise((resolve) => {
      this.flushWaiters.push({ target, resolve });
      this.wakeSender();
    });
  }

  /**
   * Stops accepting records, sends everything buffered, disconnects. Waits at most
   * closeTimeoutMs; the report says exactly how many records were not delivered and why.
   */
  close(): Promise<CloseReport> {
    this.closed ??= this.doClose();
    return this.closed;
  }

  stats(): CollectorStats {
    return { enqueued: this.enqueued, sent: this.sent, failed: this.failed, dropped: this.dropped, buffered: this.buffer.size + this.buffer.waiting };
  }

  private async doClose(): Promise<CloseReport> {
    this.closing = true;
    this.closeDeadline = Date.now() + this.config.closeTimeoutMs;
    this.wakeSender();
    const timedOut = await Promise.race([
      this.senderDone.then(() => false),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(true), this.config.closeTimeoutMs).unref()),
    ]);
    clearInterval(this.dropTimer);
    this.telemetry.reportDrops();
    this.signals.dispose();
    const refused = this.buffer.rejectWaiters();
    await Promise.race([this.producer.disconnect().catch(() => undefined), new Promise((resolve) => setTimeout(resolve, 1_000).unref())]);
    const unsent = this.enqueued - this.sent - this.failed - this.dropped;
    const report: CloseReport = {
      ...this.stats(),
      unsent,
      ...(unsent + this.failed > 0 ? { reason: this.connected ? reasonFor(this.lastError, timedOut || refused > 0) : `no connection to Kafka at ${this.config.kafka.brokers.join(',')} before the close deadline` } : {}),
    };
    (unsent + this.failed > 0 ? this.logger.error.bind(this.logger) : this.logger.info.bind(this.logger))(report, 'Log collector closed');
    return report;
  }

  private async runSender(): Promise<void> {
    for (;;) {
      if (this.buffer.size === 0) {
        if (this.closing) return;
        await this.sleepUntilWoken(Number.POSITIVE_INFINITY);
        continue;
      }
      if (!this.connected && !(await this.connect())) {
        if (this.closing && Date.now() >= this.closeDeadline) return;
        continue;
      }
      if (this.config.lingerMs > 0 && !this.closing && this.flushWaiters.length === 0 && !this.buffer.isBatchReady(this.config.maxBatchRecords, this.config.maxBatchBytes)) {
        await this.sleepUntilWoken(this.config.lingerMs);
      }
      const batch = this.buffer.take(this.config.maxBatchRecords, this.config.maxBatchBytes);
      this.telemetry.bufferSize(this.buffer.size);
      const outcome = await this.sender.send(batch, () => this.closing && Date.now() >= this.closeDeadline);
      if (outcome.ok) this.sent += batch.length;
      else if (this.closing && Date.now() >= this.closeDeadline) {
        // Given up at the close deadline: these stay "unsent" in the report, with the error as reason.
        this.lastError = outcome.error;
        return;
      } else {
        this.failed += batch.length;
        this.lastError = outcome.error;
        this.telemetry.batchFailed(batch.length, outcome.error);
      }
      this.settle();
    }
  }

  private async connect(): Promise<boolean> {
    try {
      await this.producer.connect();
      this.connected = true;
      return true;
    } catch (err) {
      this.lastError = err;
      this.logger.warn({ err: errorSummary(err) }, 'Cannot connect to Kafka yet; records stay buffered and the collector keeps trying');
      await this.sleepUntilWoken(Math.min(this.config.retryMaxMs, 1_000));
      return false;
    }
  }

  private sleepUntilWoken(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = Number.isFinite(ms) ? setTimeout(() => done(), ms) : undefined;
      const done = (): void => {
        if (timer !== undefined) clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      this.wake = done;
    });
  }

  private wakeSender(): void {
    // During linger only a full batch, a flush or close cuts the wait short.
    if (this.wake === undefined) return;
    if (this.closing || this.flushWaiters.length > 0 || this.buffer.size === 1 || this.buffer.isBatchReady(this.config.maxBatchRecords, this.config.maxBatchBytes)) {
      this.wake();
    }
  }

  private settledCount(): number {
    return this.sent + this.failed + this.dropped;
  }

  private settle(): void {
    if (this.flushWaiters.length === 0) return;
    const settled = this.settledCount();
    this.flushWaiters = this.flushWaiters.filter((w) => {
      if (settled < w.target) return true;
      w.resolve();
      return false;
    });
  }
}

function reasonFor(err: unknown, timedOut: boolean): string {
  const cause = err === undefined ? 'no error was reported' : `${errorSummary(err).name}: ${errorSummary(err).message}`;
  return timedOut ? `close deadline passed before Kafka acknowledged them (last error: ${cause})` : cause;
}

/** Creates a collector and starts its background sender. Throws CONFIG_INVALID listing every bad option. */
export function createLogCollector(options: CollectorConfigInput, deps: LogCollectorDeps = {}): LogCollector {
  return new LogCollector(options, deps);
}
