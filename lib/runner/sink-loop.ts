import { Partitioners, type Consumer, type ConsumerRunConfig, type EachBatchPayload, type Kafka, type Producer } from 'kafkajs';
import type { OutputMessage, SourcePosition } from '../dead-letter';
import type { LogpipeError } from '../errors';
import { AssignmentTracker } from '../kafka/assignment-tracker';
import { ConsumerCrashWatch, rerunConsumer } from '../kafka/consumer-crash-watch';
import { membershipLostCause } from '../kafka/group-membership-error';
import { retryWhileTransient } from '../kafka/retry-while-transient';
import type { Logger } from '../telemetry';
import { counter, gauge, histogram, type Registry } from '../telemetry';
import { sleepWithHeartbeats } from './sleep-with-heartbeats';

/** One consumed record as a sink sees it. */
export interface SinkInput {
  readonly key: Buffer | null;
  readonly value: Buffer | null;
  readonly source: SourcePosition;
}

/** What a sink knows about a batch beyond its records. */
export interface SinkBatchContext {
  /**
   * The partition's first batch since this member joined the group: its previous holder may
   * have written it and lost the partition before committing (a downstream that cannot
   * absorb a second copy by itself checks what it already holds).
   */
  readonly firstSinceAssignment: boolean;
}

/** What a sink returns for a batch once the downstream acknowledged everything it accepted. */
export interface SinkBatchResult {
  /** Records the downstream refused for good, as dead-letter messages with the reason. */
  readonly deadLetters: readonly OutputMessage[];
}

export interface SinkLoopOptions {
  readonly kafka: Kafka;
  readonly groupId: string;
  readonly inputTopic: string;
  readonly logger: Logger;
  readonly registry: Registry;
  /** Metric prefix, e.g. `logpipe_sink_es`. */
  readonly metricPrefix: string;
  /**
   * Writes a batch downstream and resolves only when every record is acknowledged or
   * returned as a dead letter. It retries transient failures itself, calling `heartbeat`
   * between attempts so the group keeps the partition while the downstream is away.
   */
  readonly writeBatch: (records: readonly SinkInput[], heartbeat: () => Promise<void>, context: SinkBatchContext) => Promise<SinkBatchResult>;
  readonly sessionTimeoutMs?: number;
  /** Bytes fetched per partition, which bounds the memory of a batch in flight. */
  readonly maxBytesPerPartition?: number;
  /** Partition batches being written at once (the sink bounds its own requests in flight). */
  readonly partitionsConsumedConcurrently?: number;
  /** How long a fetch waits to fill up: the sink's flush interval. */
  readonly maxWaitTimeMs?: number;
}

/**
 * At-least-once consume -> write -> commit for sinks whose downstream is idempotent
 * (Elasticsearch by _id, Loki by identical entries). A batch's offset is committed only
 * after the downstream acknowledged every record of it or the dead-letter topic did.
 * While a batch is being retried, its partition fetches nothing more: backpressure,
 * with memory bounded by the fetch (maxBytesPerPartition per partition).
 */
export class SinkLoop {
  private readonly consumer: Consumer;
  private readonly dlqProducer: Producer;
  private readonly records;
  private readonly batchSeconds;
  private readonly inFlight;
  private readonly lag;
  private readonly consumerRestarts;
  private running = false;
  private assignment: AssignmentTracker | undefined;
  private crashWatch: ConsumerCrashWatch | undefined;
  private lastCommitAt = 0;
  /** Group joins seen, and per partition the join of its last committed batch. */
  private joins = 0;
  private readonly committedInJoin = new Map<number, number>();

  constructor(private readonly options: SinkLoopOptions) {
    this.consumer = options.kafka.consumer({
      groupId: options.groupId,
      readUncommitted: false,
      sessionTimeout: options.sessionTimeoutMs ?? 30_000,
      maxBytesPerPartition: options.maxBytesPerPartition ?? 1_048_576,
      maxWaitTimeInMs: options.maxWaitTimeMs ?? 1_000,
    });
    this.dlqProducer = options.kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
    this.records = counter(options.registry, `${options.metricPrefix}_records_total`, 'Records by outcome: written (acknowledged downstream) or dead_lettered.', ['outcome']);
    this.batchSeconds = histogram(options.registry, `${options.metricPrefix}_batch_duration_seconds`, 'From fetch to commit of one partition batch, retries included.', [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60]);
    this.inFlight = gauge(options.registry, `${options.metricPrefix}_batches_in_flight`, 'Partition batches being written (fetching pauses for their partitions).');
    this.consumerRestarts = counter(options.registry, `${options.metricPrefix}_consumer_restarts_total`, 'Restarts of the consumer after kafkajs stopped it for good on a passing trouble.');
    this.lag = gauge(options.registry, `${options.metricPrefix}_consumer_lag`, 'Records between the last committed batch and the end of its partition, as of that fetch.', ['topic', 'partition']);
  }

  async start(): Promise<void> {
    const { consumer, options } = this;
    const retry = { logger: options.logger };
    await retryWhileTransient('Connecting the dead-letter producer', () => this.dlqProducer.connect(), retry);
    await retryWhileTransient('Connecting the consumer', () => consumer.connect(), retry);
    this.assignment = new AssignmentTracker(consumer, options.inputTopic, options.logger);
    this.assignment.onAssignment(() => void this.joins++);
    const runConfig: ConsumerRunConfig = {
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: options.partitionsConsumedConcurrently ?? 2,
      eachBatch: (payload) => this.processBatch(payload),
    };
    this.crashWatch = new ConsumerCrashWatch(consumer, options.groupId, options.logger, rerunConsumer(consumer, runConfig), () => this.consumerRestarts.inc());
    await retryWhileTransient(`Subscribing to ${options.inputTopic}`, () => consumer.subscribe({ topic: options.inputTopic, fromBeginning: true }), retry);
    this.running = true;
    await consumer.run(runConfig);
  }

  async stop(): Promise<void> {
    this.running = false;
    this.crashWatch?.close();
    await this.consumer.disconnect().catch((err: unknown) => this.options.logger.warn({ err }, 'Consumer did not disconnect cleanly'));
    await this.dlqProducer.disconnect().catch(() => undefined);
  }

  status(): { running: boolean; assignedPartitions: number; fatal: string | null; lastCommitAt: number; consumerRestarts: number } {
    return { running: this.running, assignedPartitions: this.assignment?.partitions ?? 0, fatal: this.fatalError()?.message ?? null, lastCommitAt: this.lastCommitAt, consumerRestarts: this.crashWatch?.restartCount ?? 0 };
  }

  /** Set once the consumer stopped for good; main() exits on it. */
  fatalError(): LogpipeError | undefined {
    return this.crashWatch?.error;
  }

  private async processBatch({ batch, isRunning, isStale, resolveOffset, heartbeat }: EachBatchPayload): Promise<void> {
    if (batch.messages.length === 0 || !isRunning() || isStale()) return;
    const started = process.hrtime.bigint();
    this.inFlight.inc();
    try {
      const inputs: SinkInput[] = batch.messages.map((m) => ({ key: m.key, value: m.value, source: { topic: batch.topic, partition: batch.partition, offset: m.offset } }));
      const keepAlive = this.heartbeatWhileWriting(heartbeat, batch.topic, batch.partition);
      const join = this.joins;
      const { deadLetters } = await this.options.writeBatch(inputs, keepAlive, { firstSinceAssignment: this.committedInJoin.get(batch.partition) !== join });
      if (deadLetters.length > 0) await this.sendDeadLetters(deadLetters, keepAlive);
      const next = (BigInt(batch.lastOffset()) + 1n).toString();
      await this.commit(batch.topic, batch.partition, next);
      resolveOffset(batch.lastOffset());
      this.committedInJoin.set(batch.partition, join);
      this.lastCommitAt = Date.now();
      this.records.inc({ outcome: 'written' }, inputs.length - deadLetters.length);
      if (deadLetters.length > 0) this.records.inc({ outcome: 'dead_lettered' }, deadLetters.length);
      this.batchSeconds.observe(Number(process.hrtime.bigint() - started) / 1e9);
      this.lag.set({ topic: batch.topic, partition: String(batch.partition) }, Number(batch.offsetLag()));
    } finally {
      this.inFlight.dec();
    }
  }

  /**
   * Keeps the session alive during a long write. A rebalance announced meanwhile does not stop
   * the write half-way: the batch is finished and committed (the group still takes commits of the
   * current generation while members re-join), and kafkajs re-joins after it. Stopping would make
   * the partition's next owner write the first half again, and Loki keeps an identical entry
   * twice once the first copy has left the stream's head block. Heartbeats go on after the
   * announcement: the coordinator answers them with REBALANCE_IN_PROGRESS but counts them, so a
   * long write does not get the member removed for silence (which would lose its commit).
   */
  private heartbeatWhileWriting(heartbeat: () => Promise<void>, topic: string, partition: number): () => Promise<void> {
    let announced = false;
    return async () => {
      try {
        await heartbeat();
      } catch (err) {
        if (membershipLostCause(err) === undefined) throw err;
        if (announced) return;
        announced = true;
        this.options.logger.info({ topic, partition, reason: (err as Error).message }, 'Group rebalancing: finishing and committing the batch in flight before re-joining');
      }
    };
  }

  /**
   * With autoCommit off, kafkajs's commitOffsetsIfNecessary commits nothing: commit explicitly.
   * If the group took the partition away meanwhile (session expired during a slow write), the
   * commit is refused; the written records are written again by the partition's next owner,
   * which the idempotent downstream absorbs. The bare protocol error lets kafkajs re-join.
   */
  private async commit(topic: string, partition: number, offset: string): Promise<void> {
    try {
      await this.consumer.commitOffsets([{ topic, partition, offset }]);
    } catch (err) {
      const lost = membershipLostCause(err);
      if (lost === undefined) throw err;
      this.options.logger.warn({ topic, partition, offset, reason: lost.message }, 'Offset not committed: the group moved the partition; its next owner writes the batch again');
      throw lost;
    }
  }

  /** The dead-letter topic must acknowledge before the offset moves: retried until it does. */
  private async sendDeadLetters(messages: readonly OutputMessage[], heartbeat: () => Promise<void>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        const byTopic = new Map<string, OutputMessage[]>();
        for (const m of messages) {
          const list = byTopic.get(m.topic);
          if (list === undefined) byTopic.set(m.topic, [m]);
          else list.push(m);
        }
        await this.dlqProducer.sendBatch({
          acks: -1,
          topicMessages: [...byTopic].map(([topic, list]) => ({ topic, messages: list.map((m) => ({ key: m.key, value: m.value, headers: m.headers })) })),
        });
        return;
      } catch (err) {
        this.options.logger.error({ attempt, records: messages.length, err: { name: (err as Error).name, message: (err as Error).message } }, 'Dead-letter topic did not acknowledge; retrying before committing the batch');
        await sleepWithHeartbeats(Math.min(30_000, 500 * 2 ** Math.min(attempt, 6)), heartbeat);
      }
    }
  }
}
