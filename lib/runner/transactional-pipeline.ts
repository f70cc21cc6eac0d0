import { Partitioners, type Consumer, type EachBatchPayload, type Kafka, type KafkaMessage, type Message, type Producer } from 'kafkajs';
import type { OutputMessage, SourcePosition } from '../dead-letter';
import { LogpipeError } from '../errors';
import { AssignmentTracker } from '../kafka/assignment-tracker';
import { ConsumerCrashWatch } from '../kafka/consumer-crash-watch';
import type { Logger } from '../telemetry';
import { counter, gauge, histogram, type Registry } from '../telemetry';

export interface TransactionalPipelineOptions<O extends string> {
  readonly kafka: Kafka;
  readonly groupId: string;
  readonly inputTopic: string;
  /**
   * Stable per instance: a restarted instance with the same id fences its predecessor's
   * open transaction, so a killed instance can never commit after its replacement started.
   */
  readonly transactionalId: string;
  readonly logger: Logger;
  readonly registry: Registry;
  /** Metric prefix, e.g. `logpipe_enricher`. */
  readonly metricPrefix: string;
  /** One input record -> one output record and what happened to it (a metric label). */
  readonly process?: (key: Buffer | null, value: Buffer | null, source: SourcePosition) => { message: OutputMessage; outcome: O };
  /** Instead of `process`: a whole partition batch -> any number of outputs (aggregating stages). */
  readonly processBatch?: (batch: PipelineBatch) => Promise<PipelineBatchResult<O>>;
  /** Called after each group join with the input partitions this instance now holds. */
  readonly onAssignment?: (partitions: readonly number[]) => void;
  /**
   * Work driven by the clock rather than by input (e.g. announcing that a partition is idle):
   * run every `intervalMs`, never while a batch is being processed; its outputs are produced
   * in a transaction of their own.
   */
  readonly tick?: { readonly intervalMs: number; readonly run: (assigned: readonly number[]) => Promise<TickResult> };
  readonly sessionTimeoutMs?: number;
  /** Bytes fetched per partition: also the size of one transaction. */
  readonly maxBytesPerPartition?: number;
}

export interface TickResult {
  readonly outputs: readonly AnyOutput[];
  /** Called only when the outputs are committed. */
  readonly onCommitted?: () => void;
}

export interface PipelineBatch {
  readonly topic: string;
  readonly partition: number;
  readonly messages: readonly KafkaMessage[];
  /** Offset lag after this batch: 0 when the partition is caught up. */
  readonly lagAfter: bigint;
}

export interface PipelineBatchResult<O extends string> {
  readonly outputs: readonly AnyOutput[];
  readonly outcomes: ReadonlyMap<O, number>;
  /** Stored with the committed offset (OffsetCommit metadata), read back with fetchOffsets. */
  readonly offsetMetadata?: string;
  /**
   * In-memory state must follow Kafka: applied only once the transaction committed, and thrown
   * away when it aborted (kafkajs then delivers the same batch again).
   */
  readonly onCommitted?: () => void;
  readonly onAborted?: () => void;
}

/** An output whose value may be a tombstone. */
export type AnyOutput = OutputMessage<Buffer | null>;

/** Below the broker's message.max.bytes (1 MiB + 12), Kafka's per-record overhead counted. */
const MAX_REQUEST_BYTES = 900_000;
const RECORD_OVERHEAD_BYTES = 32;

function messageBytes(m: AnyOutput): number {
  let headers = 0;
  for (const [k, v] of Object.entries(m.headers ?? {})) headers += k.length + (v === undefined ? 0 : String(v).length) + 4;
  return (m.value?.length ?? 0) + (m.key?.length ?? 0) + headers + RECORD_OVERHEAD_BYTES;
}

function* chunkByBytes(messages: readonly AnyOutput[], maxBytes: number): Generator<AnyOutput[]> {
  let chunk: AnyOutput[] = [];
  let bytes = 0;
  for (const m of messages) {
    const size = messageBytes(m);
    if (chunk.length > 0 && bytes + size > maxBytes) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(m);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}

function byTopic(messages: readonly AnyOutput[]): Array<{ topic: string; messages: Message[] }> {
  const topics = new Map<string, Message[]>();
  for (const m of messages) {
    const list = topics.get(m.topic) ?? [];
    const message: Message = { key: m.key, value: m.value };
    if (m.headers !== undefined) message.headers = m.headers;
    if (m.partition !== undefined) message.partition = m.partition;
    list.push(message);
    topics.set(m.topic, list);
  }
  return [...topics].map(([topic, list]) => ({ topic, messages: list }));
}

const FENCED = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED', 'TRANSACTIONAL_ID_AUTHORIZATION_FAILED', 'INVALID_PRODUCER_ID_MAPPING']);

/**
 * Exactly-once consume -> process -> produce with Kafka transactions: each fetched
 * partition batch becomes one transaction holding its outputs and the consumer offset
 * after its last record. Readers with isolation read_committed see the outputs if and
 * only if the offsets moved, so a crash at any point neither loses nor duplicates.
 */
export class TransactionalPipeline<O extends string> {
  private readonly consumer: Consumer;
  private readonly producer: Producer;
  private readonly records;
  private readonly transactionSeconds;
  private readonly aborted;
  private readonly lag;
  private running = false;
  private assignment: AssignmentTracker | undefined;
  private fenced: LogpipeError | undefined;
  private crashWatch: ConsumerCrashWatch | undefined;
  private lastCommitAt = 0;
  /** Batches and ticks share one transactional producer: one at a time. */
  private exclusive: Promise<unknown> = Promise.resolve();
  private ticker: NodeJS.Timeout | undefined;

  constructor(private readonly options: TransactionalPipelineOptions<O>) {
    if ((options.process === undefined) === (options.processBatch === undefined)) throw new Error('TransactionalPipeline: give exactly one of process and processBatch');
    this.consumer = options.kafka.consumer({
      groupId: options.groupId,
      readUncommitted: false,
      sessionTimeout: options.sessionTimeoutMs ?? 30_000,
      maxBytesPerPartition: options.maxBytesPerPartition ?? 1_048_576,
    });
    this.producer = options.kafka.producer({
      transactionalId: options.transactionalId,
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: 60_000,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    this.records = counter(options.registry, `${options.metricPrefix}_records_total`, 'Records processed, by outcome.', ['outcome']);
    this.transactionSeconds = histogram(options.registry, `${options.metricPrefix}_transaction_duration_seconds`, 'Time to produce and commit one batch transaction.', [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]);
    this.aborted = counter(options.registry, `${options.metricPrefix}_transactions_aborted_total`, 'Batch transactions aborted (their records are processed again).');
    this.lag = gauge(options.registry, `${options.metricPrefix}_consumer_lag`, 'Records between the last committed batch and the end of its partition, as of that fetch.', ['topic', 'partition']);
  }

  async start(): Promise<void> {
    const { consumer, producer, options } = this;
    await producer.connect();
    await consumer.connect();
    this.assignment = new AssignmentTracker(consumer, options.inputTopic, options.logger);
    this.crashWatch = new ConsumerCrashWatch(consumer, options.groupId, options.logger);
    if (options.onAssignment !== undefined) this.assignment.onAssignment(options.onAssignment);
    await consumer.subscribe({ topic: options.inputTopic, fromBeginning: true });
    this.running = true;
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.serialized(() => this.processBatch(payload)),
    });
    const tick = options.tick;
    if (tick !== undefined) {
      this.ticker = setInterval(() => {
        if (!this.running || this.fenced !== undefined) return;
        void this.serialized(() => this.runTick(tick.run)).catch(() => undefined);
      }, tick.intervalMs);
      this.ticker.unref();
    }
  }

  private serialized<T>(work: () => Promise<T>): Promise<T> {
    const run = this.exclusive.then(work, work);
    this.exclusive = run.catch(() => undefined);
    return run;
  }

  private async runTick(run: (assigned: readonly number[]) => Promise<TickResult>): Promise<void> {
    try {
      const { outputs, onCommitted } = await run(this.assignment?.partitionList ?? []);
      if (outputs.length === 0) return;
      const transaction = await this.producer.transaction();
      try {
        for (const chunk of chunkByBytes(outputs, MAX_REQUEST_BYTES)) await transaction.sendBatch({ acks: -1, topicMessages: byTopic(chunk) });
        await transaction.commit();
        onCommitted?.();
      } catch (err) {
        await transaction.abort().catch(() => undefined);
        throw err;
      }
    } catch (err) {
      this.options.logger.warn({ err: { name: (err as Error).name, message: (err as Error).message } }, 'Periodic work failed; it runs again at the next tick');
    }
  }

  /** Finishes the batch in flight (its transaction commits or aborts), leaves the group, disconnects. */
  async stop(): Promise<void> {
    this.running = false;
    if (this.ticker !== undefined) clearInterval(this.ticker);
    await this.consumer.disconnect().catch((err: unknown) => this.options.logger.warn({ err }, 'Consumer did not disconnect cleanly'));
    await this.producer.disconnect().catch((err: unknown) => this.options.logger.warn({ err }, 'Producer did not disconnect cleanly'));
  }

  /** For /readyz: running, assigned partitions, and why it must stop (fenced, consumer crashed) if it must. */
  status(): { running: boolean; assignedPartitions: number; fatal: string | null; lastCommitAt: number } {
    return { running: this.running, assignedPartitions: this.assignment?.partitions ?? 0, fatal: this.fatalError()?.message ?? null, lastCommitAt: this.lastCommitAt };
  }

  /** Set once this instance is fenced or its consumer stopped for good; main() exits on it. */
  fatalError(): LogpipeError | undefined {
    return this.fenced ?? this.crashWatch?.error;
  }

  private async processBatch({ batch, isRunning, isStale, resolveOffset, heartbeat }: EachBatchPayload): Promise<void> {
    if (batch.messages.length === 0 || !isRunning() || isStale()) return;
    const lastOffset = batch.lastOffset();
    let outputs: readonly AnyOutput[];
    let outcomes: ReadonlyMap<O, number>;
    let metadata: string | undefined;
    let onCommitted: (() => void) | undefined;
    let onAborted: (() => void) | undefined;
    if (this.options.processBatch !== undefined) {
      const result = await this.options.processBatch({ topic: batch.topic, partition: batch.partition, messages: batch.messages, lagAfter: BigInt(batch.offsetLag()) });
      ({ outputs, outcomes, onCommitted, onAborted } = result);
      metadata = result.offsetMetadata;
    } else {
      const process = this.options.process as NonNullable<TransactionalPipelineOptions<O>['process']>;
      const list: OutputMessage[] = [];
      const counts = new Map<O, number>();
      for (const m of batch.messages) {
        const { message, outcome } = process(m.key, m.value, { topic: batch.topic, partition: batch.partition, offset: m.offset });
        list.push(message);
        counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
      }
      outputs = list;
      outcomes = counts;
    }
    const started = process.hrtime.bigint();
    const transaction = await this.producer.transaction();
    try {
      // Outputs may outgrow their input (enrichment adds fields): one transaction, several requests.
      for (const chunk of chunkByBytes(outputs, MAX_REQUEST_BYTES)) {
        await transaction.sendBatch({ acks: -1, topicMessages: byTopic(chunk) });
      }
      await transaction.sendOffsets({
        consumerGroupId: this.options.groupId,
        // kafkajs passes `metadata` through to TxnOffsetCommit; its types leave it out.
        topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: (BigInt(lastOffset) + 1n).toString(), ...(metadata === undefined ? {} : { metadata }) }] }],
      });
      // kafkajs's TxnOffsetCommit carries no group generation (no KIP-447 fencing): a member the
      // group removed during a long batch could still commit it while the partition's new owner
      // processes the same records (seen as double counts after rebalances). A heartbeat first:
      // it throws unless this member heard from the group within the heartbeat interval, and a
      // takeover needs a whole session timeout of silence, so the commit lands before any.
      await heartbeat();
      await transaction.commit();
    } catch (err) {
      await transaction.abort().catch(() => undefined);
      onAborted?.();
      this.aborted.inc();
      const type = (err as { type?: string }).type;
      if (type !== undefined && FENCED.has(type)) {
        this.fenced = new LogpipeError('RUNNER_FENCED', `transactional id ${this.options.transactionalId} was fenced by another instance (${type}); stopping`, { cause: err });
        this.options.logger.error({ transactionalId: this.options.transactionalId, type }, this.fenced.message);
      } else {
        this.options.logger.warn({ topic: batch.topic, partition: batch.partition, firstOffset: batch.firstOffset(), lastOffset, err: { name: (err as Error).name, message: (err as Error).message } }, 'Batch transaction aborted; the batch will be processed again');
      }
      throw err;
    }
    onCommitted?.();
    // Offsets are committed by the transaction; this only moves kafkajs's in-memory position.
    resolveOffset(lastOffset);
    this.lastCommitAt = Date.now();
    this.transactionSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
    this.lag.set({ topic: batch.topic, partition: String(batch.partition) }, Number(batch.offsetLag()));
    for (const [outcome, n] of outcomes) this.records.inc({ outcome }, n);
    await heartbeat();
  }
}
