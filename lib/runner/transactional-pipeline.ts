import type { Admin, Consumer, ConsumerRunConfig, EachBatchPayload, Kafka, KafkaMessage, Producer } from 'kafkajs';
import type { OutputMessage, SourcePosition } from '../dead-letter';
import type { LogpipeError } from '../errors';
import { AssignmentTracker } from '../kafka/assignment-tracker';
import { fetchCommittedPositions, type CommittedPosition } from '../kafka/committed-offsets';
import { rejoinGroupError } from '../kafka/group-membership-error';
import { ConsumerCrashWatch, rerunConsumer } from '../kafka/consumer-crash-watch';
import { isPermanentKafkaError } from '../kafka/permanent-kafka-error';
import { retryWhileTransient } from '../kafka/retry-while-transient';
import type { Logger } from '../telemetry';
import { counter, gauge, histogram, type Registry } from '../telemetry';
import { CommittedPositions } from './committed-positions';
import { sendInChunks, type AnyOutput } from './output-chunks';
import { isFencedError, PartitionProducers } from './partition-producers';

export type { AnyOutput } from './output-chunks';

export interface TransactionalPipelineOptions<O extends string> {
  readonly kafka: Kafka;
  readonly groupId: string;
  readonly inputTopic: string;
  /**
   * Prefix of the transactional ids, one per input partition (`<prefix>-<topic>-<partition>`),
   * the same in every instance of the group: whoever takes a partition over fences its
   * previous holder (see PartitionProducers).
   */
  readonly transactionalIdPrefix: string;
  readonly logger: Logger;
  readonly registry: Registry;
  /** Metric prefix, e.g. `logpipe_enricher`. */
  readonly metricPrefix: string;
  /** One input record -> one output record and what happened to it (a metric label). */
  readonly process?: (key: Buffer | null, value: Buffer | null, source: SourcePosition) => { message: OutputMessage; outcome: O };
  /** Instead of `process`: a whole partition batch -> any number of outputs (aggregating stages). */
  readonly processBatch?: (batch: PipelineBatch) => Promise<PipelineBatchResult<O>>;
  /**
   * Instead of `process`: one output per input record, computed for a whole batch elsewhere (a
   * worker thread), so it may start as soon as the batch is fetched, while the previous batch's
   * transaction is still going: results in the order of `messages`. Must not depend on state,
   * since a batch may be processed ahead and then dropped (stale after a rebalance).
   */
  readonly processAhead?: (messages: readonly KafkaMessage[], source: { readonly topic: string; readonly partition: number }) => Promise<ReadonlyArray<{ message: OutputMessage; outcome: O }>>;
  /** Partition batches fetched and handed to `processAhead` at once (their transactions still take turns); default 1. */
  readonly partitionsConsumedConcurrently?: number;
  /**
   * Called after each group join with the input partitions this instance now holds and what the
   * group committed for them (offset and metadata), once their producers are fenced: this and any
   * state read from Kafka from here on include every earlier holder's last transaction.
   */
  readonly onAssignment?: (partitions: readonly number[], committed: ReadonlyMap<number, CommittedPosition>) => void;
  /**
   * Work driven by the clock rather than by input (e.g. announcing that a partition is idle):
   * run every `intervalMs` for each held partition, never while a batch is being processed;
   * its outputs are produced in a transaction of their own, by that partition's producer.
   */
  readonly tick?: { readonly intervalMs: number; readonly run: (partition: number) => Promise<TickResult> };
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

/**
 * Exactly-once consume -> process -> produce with Kafka transactions: each fetched
 * partition batch becomes one transaction holding its outputs and the consumer offset
 * after its last record. Readers with isolation read_committed see the outputs if and
 * only if the offsets moved, so a crash at any point neither loses nor duplicates.
 *
 * After every group join, before any batch: the held partitions' producers are fenced (every
 * earlier holder's transaction complete) and the committed offsets read again. kafkajs read them
 * before that, at its first fetch, without KIP-447's require_stable, so it may have started a
 * partition below an offset the previous holder committed a moment before; those records are
 * skipped here, not processed twice.
 */
export class TransactionalPipeline<O extends string> {
  private readonly consumer: Consumer;
  private readonly admin: Admin;
  private readonly producers: PartitionProducers;
  private readonly records;
  private readonly transactionSeconds;
  private readonly aborted;
  private readonly unknownOutcomes;
  private readonly skipped;
  private readonly lag;
  private readonly consumerRestarts;
  private running = false;
  private assignment: AssignmentTracker | undefined;
  private crashWatch: ConsumerCrashWatch | undefined;
  private lastCommitAt = 0;
  /** Group joins seen, and the join the producers and `positions` belong to. */
  private joins = 0;
  private readyForJoin = -1;
  private readonly positions = new CommittedPositions();
  /** Batches and ticks take turns: a tick must not run while a join is being made ready. */
  private exclusive: Promise<unknown> = Promise.resolve();
  private ticker: NodeJS.Timeout | undefined;

  constructor(private readonly options: TransactionalPipelineOptions<O>) {
    if ([options.process, options.processBatch, options.processAhead].filter((f) => f !== undefined).length !== 1) {
      throw new Error('TransactionalPipeline: give exactly one of process, processBatch and processAhead');
    }
    this.consumer = options.kafka.consumer({
      groupId: options.groupId,
      readUncommitted: false,
      sessionTimeout: options.sessionTimeoutMs ?? 30_000,
      maxBytesPerPartition: options.maxBytesPerPartition ?? 1_048_576,
    });
    this.admin = options.kafka.admin();
    this.producers = new PartitionProducers(options.kafka, options.transactionalIdPrefix, options.inputTopic, 60_000, options.logger);
    this.records = counter(options.registry, `${options.metricPrefix}_records_total`, 'Records processed, by outcome.', ['outcome']);
    this.transactionSeconds = histogram(options.registry, `${options.metricPrefix}_transaction_duration_seconds`, 'Time to produce and commit one batch transaction.', [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5]);
    this.aborted = counter(options.registry, `${options.metricPrefix}_transactions_aborted_total`, 'Batch transactions aborted (their records are processed again).');
    this.unknownOutcomes = counter(options.registry, `${options.metricPrefix}_transactions_unknown_outcome_total`, 'Batch transactions whose commit or abort got no answer: the producer was replaced and the committed offset read again.');
    this.skipped = counter(options.registry, `${options.metricPrefix}_already_committed_records_total`, 'Records fetched after a group join that the previous holder of the partition had already committed: skipped.');
    this.consumerRestarts = counter(options.registry, `${options.metricPrefix}_consumer_restarts_total`, 'Restarts of the consumer after kafkajs stopped it for good on a passing trouble.');
    this.lag = gauge(options.registry, `${options.metricPrefix}_consumer_lag`, 'Records between the last committed batch and the end of its partition, as of that fetch.', ['topic', 'partition']);
  }

  async start(): Promise<void> {
    const { consumer, options } = this;
    const retry = { logger: options.logger };
    await retryWhileTransient('Connecting the admin client', () => this.admin.connect(), retry);
    await retryWhileTransient('Connecting the consumer', () => consumer.connect(), retry);
    this.assignment = new AssignmentTracker(consumer, options.inputTopic, options.logger);
    this.assignment.onAssignment(() => void this.joins++);
    // A batch the consumer passed without delivering it (only a transaction marker, or aborted
    // records): its offset is committed too, or the group's offset would stay one short of the
    // partition's end and the partition would look unread to anyone comparing the two.
    consumer.on(consumer.events.END_BATCH_PROCESS, (e) => {
      const { topic, partition, batchSize, lastOffset } = e.payload;
      if (batchSize !== 0 || topic !== options.inputTopic) return;
      void this.serialized(() => this.commitPast(partition, BigInt(lastOffset) + 1n)).catch((err: unknown) =>
        options.logger.warn({ partition, err: { name: (err as Error).name, message: (err as Error).message } }, 'Could not commit past a transaction marker; the next batch will'),
      );
    });
    const runConfig: ConsumerRunConfig = {
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 1,
      eachBatch: (payload) => {
        const ahead = this.startAhead(payload.batch);
        return this.serialized(() => this.processBatch(payload, ahead));
      },
    };
    this.crashWatch = new ConsumerCrashWatch(consumer, options.groupId, options.logger, rerunConsumer(consumer, runConfig), () => this.consumerRestarts.inc());
    await retryWhileTransient(`Subscribing to ${options.inputTopic}`, () => consumer.subscribe({ topic: options.inputTopic, fromBeginning: true }), retry);
    this.running = true;
    await consumer.run(runConfig);
    const tick = options.tick;
    if (tick !== undefined) {
      this.ticker = setInterval(() => {
        if (!this.running) return;
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

  /**
   * Once per group join, before the first batch or tick after it: fence the held partitions'
   * producers, then read their committed offsets, which are final from then on.
   */
  private async readyForAssignment(): Promise<void> {
    while (this.readyForJoin !== this.joins) {
      const join = this.joins;
      const partitions = this.assignment?.partitionList ?? [];
      await this.producers.open(partitions);
      const committed = await fetchCommittedPositions(this.admin, this.options.groupId, this.options.inputTopic);
      this.positions.reset(partitions, committed);
      this.options.onAssignment?.(partitions, committed);
      this.readyForJoin = join;
    }
  }

  private async runTick(run: (partition: number) => Promise<TickResult>): Promise<void> {
    try {
      await this.readyForAssignment();
      for (const partition of this.producers.partitions) {
        const { outputs, onCommitted } = await run(partition);
        if (outputs.length === 0) continue;
        await this.inTransaction(partition, outputs, undefined);
        onCommitted?.();
      }
    } catch (err) {
      this.options.logger.warn({ err: { name: (err as Error).name, message: (err as Error).message } }, 'Periodic work failed; it runs again at the next tick');
    }
  }

  /** Finishes the batch in flight (its transaction commits or aborts), leaves the group, disconnects. */
  async stop(): Promise<void> {
    this.running = false;
    this.crashWatch?.close();
    if (this.ticker !== undefined) clearInterval(this.ticker);
    await this.consumer.disconnect().catch((err: unknown) => this.options.logger.warn({ err }, 'Consumer did not disconnect cleanly'));
    await this.serialized(() => this.producers.closeAll());
    await this.admin.disconnect().catch(() => undefined);
  }

  /** For /readyz: running, assigned partitions, and why it must stop (consumer crashed) if it must. */
  status(): { running: boolean; assignedPartitions: number; fatal: string | null; lastCommitAt: number; consumerRestarts: number } {
    return { running: this.running, assignedPartitions: this.assignment?.partitions ?? 0, fatal: this.fatalError()?.message ?? null, lastCommitAt: this.lastCommitAt, consumerRestarts: this.crashWatch?.restartCount ?? 0 };
  }

  /** Set once this instance's consumer stopped for good; main() exits on it. */
  fatalError(): LogpipeError | undefined {
    return this.crashWatch?.error;
  }

  /** `processAhead`'s work on a batch, begun before the batch's turn; undefined without it. */
  private startAhead(batch: EachBatchPayload['batch']): Promise<ReadonlyArray<{ message: OutputMessage; outcome: O }>> | undefined {
    const ahead = this.options.processAhead;
    if (ahead === undefined || batch.messages.length === 0) return undefined;
    const results = ahead(batch.messages, { topic: batch.topic, partition: batch.partition });
    // A batch dropped as stale never awaits its results: its failure must not go unhandled.
    results.catch(() => undefined);
    return results;
  }

  private async processBatch({ batch, isRunning, isStale, resolveOffset, heartbeat }: EachBatchPayload, ahead?: Promise<ReadonlyArray<{ message: OutputMessage; outcome: O }>>): Promise<void> {
    if (batch.messages.length === 0 || !isRunning() || isStale()) return;
    await this.readyForAssignment();
    const lastOffset = batch.lastOffset();
    const messages = this.notYetCommitted(batch.partition, batch.messages);
    if (messages.length === 0) {
      resolveOffset(lastOffset);
      await heartbeat();
      return;
    }
    const { outputs, outcomes, metadata, onCommitted, onAborted } =
      ahead === undefined ? await this.runProcessing(batch.topic, batch.partition, messages, BigInt(batch.offsetLag())) : perRecordResult(await resultsFor(ahead, batch.messages.length), batch.messages.length - messages.length);
    const started = process.hrtime.bigint();
    const next = BigInt(lastOffset) + 1n;
    try {
      await this.inTransaction(batch.partition, outputs, { topic: batch.topic, offset: next.toString(), metadata });
    } catch (err) {
      onAborted?.();
      this.aborted.inc();
      this.options.logger.warn(
        { topic: batch.topic, partition: batch.partition, firstOffset: messages[0]?.offset, lastOffset, err: { name: (err as Error).name, message: (err as Error).message } },
        'Batch transaction aborted; the batch will be processed again',
      );
      throw err;
    }
    this.positions.committed(batch.partition, next, metadata);
    onCommitted?.();
    // Offsets are committed by the transaction; this only moves kafkajs's in-memory position.
    resolveOffset(lastOffset);
    this.lastCommitAt = Date.now();
    this.transactionSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
    this.lag.set({ topic: batch.topic, partition: String(batch.partition) }, Number(batch.offsetLag()));
    for (const [outcome, n] of outcomes) this.records.inc({ outcome }, n);
    await heartbeat();
  }

  private async commitPast(partition: number, next: bigint): Promise<void> {
    if (!this.running) return;
    await this.readyForAssignment();
    if (this.producers.get(partition) === undefined) return;
    const position = this.positions.afterInvisibleRecords(partition, next);
    if (position === undefined) return;
    await this.inTransaction(partition, [], { topic: this.options.inputTopic, offset: position.offset.toString(), metadata: position.metadata });
    this.positions.committed(partition, position.offset, position.metadata);
  }

  /** Drops the records below the offset committed by the partition's previous holder. */
  private notYetCommitted(partition: number, messages: readonly KafkaMessage[]): readonly KafkaMessage[] {
    const { kept, skipped } = this.positions.notYetCommitted(partition, messages);
    if (skipped > 0) {
      this.skipped.inc(skipped);
      this.options.logger.info({ partition, skipped, firstKept: kept[0]?.offset ?? null }, 'Skipped records the previous holder of the partition had already committed');
    }
    return kept;
  }

  private async runProcessing(topic: string, partition: number, messages: readonly KafkaMessage[], lagAfter: bigint): Promise<PipelineBatchResult<O> & { metadata?: string }> {
    if (this.options.processBatch !== undefined) {
      const result = await this.options.processBatch({ topic, partition, messages, lagAfter });
      return { ...result, metadata: result.offsetMetadata };
    }
    const process = this.options.process as NonNullable<TransactionalPipelineOptions<O>['process']>;
    return perRecordResult(
      messages.map((m) => process(m.key, m.value, { topic, partition, offset: m.offset })),
      0,
    );
  }

  /**
   * One transaction of the partition's producer: the outputs and, for a batch, the offset.
   * A fenced producer means another member holds the partition now: this member re-joins the
   * group (kafkajs does so on a rebalance error) and fences again after the join.
   */
  private async inTransaction(partition: number, outputs: readonly AnyOutput[], offset: { topic: string; offset: string; metadata: string | undefined } | undefined): Promise<void> {
    const producer = this.producerOf(partition);
    const transaction = await producer.transaction();
    try {
      await sendInChunks(transaction, outputs);
      if (offset !== undefined) {
        await transaction.sendOffsets({
          consumerGroupId: this.options.groupId,
          // kafkajs passes `metadata` through to TxnOffsetCommit; its types leave it out.
          topics: [{ topic: offset.topic, partitions: [{ partition, offset: offset.offset, ...(offset.metadata === undefined ? {} : { metadata: offset.metadata }) }] }],
        });
      }
      await transaction.commit();
    } catch (err) {
      const aborted = await transaction.abort().then(
        () => true,
        () => false,
      );
      if (isFencedError(err)) {
        this.options.logger.warn({ partition, transactionalId: this.producers.transactionalId(partition), reason: (err as Error).message }, 'Fenced: another member took the partition over; re-joining the group');
        return this.rejoinWithoutProducer(partition, `the producer of partition ${partition} was fenced by the partition's new holder`);
      }
      if (isPermanentKafkaError(err)) throw err;
      // Transient (connection lost, coordinator moved or loading): replace the producer and re-join.
      // When the commit or the abort got no answer, the broker may have committed the batch or not,
      // and kafkajs's producer stays in COMMITTING/ABORTING, refusing every later transaction with a
      // non-retriable error, on which the consumer stops for good and the service exits.
      // A new producer for the id completes the transaction whichever way the broker decided, and
      // the offsets read after it say whether the batch is in: processed again or skipped, never twice.
      // kafkajs marks some of these errors non-retriable; re-joining makes its runner carry on.
      this.options.logger.warn(
        { partition, transactionalId: this.producers.transactionalId(partition), aborted, reason: (err as Error).message },
        aborted ? 'Transaction failed and was aborted; replacing the producer and re-joining the group' : 'Transaction outcome unknown (no answer to its commit or abort); replacing the producer and reading the committed offset again',
      );
      if (!aborted) this.unknownOutcomes.inc();
      return this.rejoinWithoutProducer(partition, `the transaction of partition ${partition} failed (${(err as Error).message})`);
    }
  }

  /**
   * Drops the partition's producer and makes kafkajs re-join the group: after the join every
   * held partition gets a new, fencing producer and its committed offset is read again.
   */
  private async rejoinWithoutProducer(partition: number, why: string): Promise<never> {
    await this.producers.close(partition);
    this.joins++;
    throw rejoinGroupError(why);
  }

  private producerOf(partition: number): Producer {
    const producer = this.producers.get(partition);
    if (producer !== undefined) return producer;
    // A batch of a partition the last join did not give us: the assignment moved meanwhile.
    this.joins++;
    throw rejoinGroupError(`partition ${partition} is not in this member's assignment`);
  }
}

/** The results of `processAhead`, one per record of the batch, or an error saying they are not. */
async function resultsFor<R>(ahead: Promise<readonly R[]>, records: number): Promise<readonly R[]> {
  const results = await ahead;
  if (results.length !== records) throw new Error(`processAhead returned ${results.length} results for ${records} records`);
  return results;
}

/**
 * One output per record as a batch result, leaving out the first `skipped` (records below the
 * offset a previous holder committed: always a prefix, since a batch is in offset order).
 */
function perRecordResult<O extends string>(results: ReadonlyArray<{ message: OutputMessage; outcome: O }>, skipped: number): PipelineBatchResult<O> & { metadata?: string } {
  const outputs: OutputMessage[] = [];
  const outcomes = new Map<O, number>();
  for (let i = skipped; i < results.length; i++) {
    const { message, outcome } = results[i] as { message: OutputMessage; outcome: O };
    outputs.push(message);
    outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
  }
  return { outputs, outcomes };
}
