/** One encoded record waiting to be sent. */
export interface BufferedRecord {
  readonly key: string;
  readonly value: Buffer;
}

export type OverflowPolicy = 'block' | 'drop';

export interface RecordBufferLimits {
  readonly maxRecords: number;
  readonly maxBytes: number;
}

const ACCEPTED: Promise<boolean> = Promise.resolve(true);
const DROPPED: Promise<boolean> = Promise.resolve(false);

/**
 * A FIFO of encoded records bounded by count and bytes. When full, `block` makes callers
 * wait (in arrival order) for space; `drop` refuses the record and the caller counts it.
 * The fast path returns a shared settled promise, so an accepted record costs no allocation.
 */
export class RecordBuffer {
  private items: BufferedRecord[] = [];
  private head = 0;
  private bytes = 0;
  private readonly waiters: Array<{ record: BufferedRecord; resolve: (accepted: boolean) => void }> = [];

  constructor(
    private readonly limits: RecordBufferLimits,
    private readonly policy: OverflowPolicy,
    /** Called whenever a record enters the buffer (the sender's wake-up). */
    private readonly onRecord: () => void,
  ) {}

  get size(): number {
    return this.items.length - this.head;
  }

  get byteSize(): number {
    return this.bytes;
  }

  /** Callers waiting for space (block policy). */
  get waiting(): number {
    return this.waiters.length;
  }

  /** Resolves true once the record is in the buffer, false if the drop policy refused it. */
  offer(record: BufferedRecord): Promise<boolean> {
    if (this.waiters.length === 0 && this.hasRoomFor(record)) {
      this.push(record);
      return ACCEPTED;
    }
    if (this.policy === 'drop') return DROPPED;
    return new Promise((resolve) => this.waiters.push({ record, resolve }));
  }

  /** Removes and returns up to `maxRecords` / `maxBytes` from the front (at least one record if any). */
  take(maxRecords: number, maxBytes: number): BufferedRecord[] {
    const batch: BufferedRecord[] = [];
    let batchBytes = 0;
    while (this.head < this.items.length && batch.length < maxRecords) {
      const next = this.items[this.head] as BufferedRecord;
      const size = recordBytes(next);
      if (batch.length > 0 && batchBytes + size > maxBytes) break;
      batch.push(next);
      batchBytes += size;
      this.head++;
      this.bytes -= size;
    }
    if (this.head > 4096 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    this.admitWaiters();
    return batch;
  }

  /** True when a full batch is waiting, so the sender need not linger. */
  isBatchReady(maxRecords: number, maxBytes: number): boolean {
    return this.size >= maxRecords || this.bytes >= maxBytes;
  }

  /** Refuses every waiting caller (on close with a deadline passed); returns how many. */
  rejectWaiters(): number {
    const count = this.waiters.length;
    for (const waiter of this.waiters.splice(0)) waiter.resolve(false);
    return count;
  }

  private hasRoomFor(record: BufferedRecord): boolean {
    // An empty buffer always takes one record, so a record larger than maxBytes cannot wedge it.
    return this.size === 0 || (this.size < this.limits.maxRecords && this.bytes + recordBytes(record) <= this.limits.maxBytes);
  }

  private push(record: BufferedRecord): void {
    this.items.push(record);
    this.bytes += recordBytes(record);
    this.onRecord();
  }

  private admitWaiters(): void {
    while (this.waiters.length > 0 && this.hasRoomFor((this.waiters[0] as { record: BufferedRecord }).record)) {
      const waiter = this.waiters.shift() as { record: BufferedRecord; resolve: (accepted: boolean) => void };
      this.push(waiter.record);
      waiter.resolve(true);
    }
  }
}

/**
 * Upper bound of what a record adds to a Kafka v2 record batch beyond key and value:
 * length, attributes, timestamp delta, offset delta, key/value lengths (varints) and header count.
 */
const RECORD_OVERHEAD_BYTES = 32;

export function recordBytes(record: BufferedRecord): number {
  return record.value.length + record.key.length + RECORD_OVERHEAD_BYTES;
}
