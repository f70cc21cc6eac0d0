import { Partitioners, type Kafka, type Producer } from 'kafkajs';
import { findProtocolError } from '../kafka/protocol-error';
import type { Logger } from '../telemetry';

/** Kafka's answers to a producer whose transactional id was taken over by a newer one. */
const FENCED_TYPES = new Set(['INVALID_PRODUCER_EPOCH', 'PRODUCER_FENCED', 'INVALID_PRODUCER_ID_MAPPING']);

/** Whether `err` says this producer's transactional id now belongs to a newer producer. */
export function isFencedError(err: unknown): boolean {
  return findProtocolError(err, FENCED_TYPES) !== undefined;
}

/**
 * One transactional producer per input partition, with the id `<prefix>-<topic>-<partition>`,
 * whoever holds the partition (Kafka Streams' "producer per task", the exactly-once scheme for
 * clients without KIP-447: kafkajs's TxnOffsetCommit carries no group generation).
 *
 * Opening a partition's producer calls InitProducerId with that id. The transaction coordinator
 * answers only once every earlier transaction of the id is complete — an open one aborted, a
 * committed one's markers written, its offsets visible in the group — and from then on refuses
 * the earlier producer's requests (PRODUCER_FENCED). So after `open`, the group's committed
 * offset of the partition is final, and an instance that lost the partition can no longer commit it.
 */
export class PartitionProducers {
  private readonly producers = new Map<number, Producer>();

  constructor(
    private readonly kafka: Kafka,
    private readonly idPrefix: string,
    private readonly topic: string,
    private readonly transactionTimeoutMs: number,
    private readonly logger: Logger,
  ) {}

  transactionalId(partition: number): string {
    return `${this.idPrefix}-${this.topic}-${partition}`;
  }

  get(partition: number): Producer | undefined {
    return this.producers.get(partition);
  }

  get partitions(): readonly number[] {
    return [...this.producers.keys()].sort((a, b) => a - b);
  }

  /**
   * Closes every producer, then opens and fences one per partition, in parallel. Even a
   * partition this instance held before gets a new producer: its own last commit may still
   * have markers in flight, and only a new InitProducerId waits for them.
   */
  async open(partitions: readonly number[]): Promise<void> {
    await this.closeAll();
    const started = Date.now();
    const opened = await Promise.allSettled(partitions.map((p) => this.openOne(p)));
    const failed = opened.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) {
      await this.closeAll();
      throw failed.reason;
    }
    this.logger.info({ partitions, ms: Date.now() - started }, 'Transactional producers fenced and ready for the assigned partitions');
  }

  /** Forgets a partition's producer (fenced, or the partition moved). */
  async close(partition: number): Promise<void> {
    const producer = this.producers.get(partition);
    this.producers.delete(partition);
    await producer?.disconnect().catch((err: unknown) => this.logger.warn({ partition, err: { message: (err as Error).message } }, 'Producer did not disconnect cleanly'));
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.producers.keys()].map((p) => this.close(p)));
  }

  private async openOne(partition: number): Promise<void> {
    const producer = this.kafka.producer({
      transactionalId: this.transactionalId(partition),
      idempotent: true,
      maxInFlightRequests: 1,
      transactionTimeout: this.transactionTimeoutMs,
      createPartitioner: Partitioners.DefaultPartitioner,
    });
    try {
      await producer.connect();
      // kafkajs sends InitProducerId for the transactional id at the first transaction();
      // an empty one is ended locally, without a request.
      const fence = await producer.transaction();
      await fence.abort();
    } catch (err) {
      await producer.disconnect().catch(() => undefined);
      throw err;
    }
    this.producers.set(partition, producer);
  }
}
