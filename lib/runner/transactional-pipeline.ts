import { Partitioners, type Consumer, type EachBatchPayload, type Kafka, type Message, type Producer } from 'kafkajs';
import type { OutputMessage, SourcePosition } from '../dead-letter';
import { LogpipeError } from '../errors';
import { AssignmentTracker } from '../kafka/assignment-tracker';
import type { Logger } from '../telemetry';
import { counter, histogram, type Registry } from '../telemetry';

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
  readonly process: (key: Buffer | null, value: Buffer | null, source: SourcePosition) => { message: OutputMessage; outcome: O };
  readonly sessionTimeoutMs?: number;
  /** Bytes fetched per partition: also the size of one transaction. */
  readonly maxBytesPerPartition?: number;
}

/** Below the broker's message.max.bytes (1 MiB + 12), Kafka's per-record overhead counted. */
const MAX_REQUEST_BYTES = 900_000;
const RECORD_OVERHEAD_BYTES = 32;

function messageBytes(m: OutputMessage): number {
  let headers = 0;
  for (const [k, v] of Object.entries(m.headers ?? {})) headers += k.length + (v === undefined ? 0 : String(v).length) + 4;
  return m.value.length + (m.key?.length ?? 0) + headers + RECORD_OVERHEAD_BYTES;
}

function* chunkByBytes(messages: readonly OutputMessage[], maxBytes: number): Generator<OutputMessage[]> {
  let chunk: OutputMessage[] = [];
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

function byTopic(messages: readonly OutputMessage[]): Array<{ topic: string; messages: Message[] }> {
  const topics = new Map<string, Message[]>();
  for (const m of messages) {
    const list = topics.get(m.topic) ?? [];
    list.push(m.headers === undefined ? { key: m.key, value: m.value } : { key: m.key, value: m.value, headers: m.headers });
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
  private running = false;
  private assignment: AssignmentTracker | undefined;
  private fenced: LogpipeError | undefined;
  private lastCommitAt = 0;

  constructor(private readonly options: TransactionalPipelineOptions<O>) {
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
  }

  async start(): Promise<void> {
    const { consumer, producer, options } = this;
    await producer.connect();
    await consumer.connect();
    this.assignment = new AssignmentTracker(consumer, options.inputTopic, options.logger);
    await consumer.subscribe({ topic: options.inputTopic, fromBeginning: true });
    this.running = true;
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: (payload) => this.processBatch(payload),
    });
  }

  /** Finishes the batch in flight (its transaction commits or aborts), leaves the group, disconnects. */
  async stop(): Promise<void> {
    this.running = false;
    await this.consumer.disconnect().catch((err: unknown) => this.options.logger.warn({ err }, 'Consumer did not disconnect cleanly'));
    await this.producer.disconnect().catch((err: unknown) => this.options.logger.warn({ err }, 'Producer did not disconnect cleanly'));
  }

  /** For /readyz: running, assigned partitions, not fenced. */
  status(): { running: boolean; assignedPartitions: number; fenced: boolean; lastCommitAt: number } {
    return { running: this.running, assignedPartitions: this.assignment?.partitions ?? 0, fenced: this.fenced !== undefined, lastCommitAt: this.lastCommitAt };
  }

  /** Rejects once this instance is fenced; main() exits on it. */
  fencedError(): LogpipeError | undefined {
    return this.fenced;
  }

  private async processBatch({ batch, isRunning, isStale, resolveOffset, heartbeat }: EachBatchPayload): Promise<void> {
    if (batch.messages.length === 0 || !isRunning() || isStale()) return;
    const outputs: OutputMessage[] = [];
    const outcomes = new Map<O, number>();
    for (const m of batch.messages) {
      const { message, outcome } = this.options.process(m.key, m.value, { topic: batch.topic, partition: batch.partition, offset: m.offset });
      outputs.push(message);
      outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
    }
    const lastOffset = batch.lastOffset();
    const started = process.hrtime.bigint();
    const transaction = await this.producer.transaction();
    try {
      // Outputs may outgrow their input (enrichment adds fields): one transaction, several requests.
      for (const chunk of chunkByBytes(outputs, MAX_REQUEST_BYTES)) {
        await transaction.sendBatch({ acks: -1, topicMessages: byTopic(chunk) });
      }
      await transaction.sendOffsets({
        consumerGroupId: this.options.groupId,
        topics: [{ topic: batch.topic, partitions: [{ partition: batch.partition, offset: (BigInt(lastOffset) + 1n).toString() }] }],
      });
      await transaction.commit();
    } catch (err) {
      await transaction.abort().catch(() => undefined);
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
    // Offsets are committed by the transaction; this only moves kafkajs's in-memory position.
    resolveOffset(lastOffset);
    this.lastCommitAt = Date.now();
    this.transactionSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
    for (const [outcome, n] of outcomes) this.records.inc({ outcome }, n);
    await heartbeat();
  }
}
