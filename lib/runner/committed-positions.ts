import type { CommittedPosition } from '../kafka/committed-offsets';

interface Position {
  readonly offset: bigint;
  readonly metadata: string | undefined;
}

/**
 * What the group has committed for each held partition, as of the last group join (read after
 * fencing, so it includes the previous holder's last transaction) and since then by this member.
 */
export class CommittedPositions {
  private readonly positions = new Map<number, Position>();
  /** Partitions whose first batch since the join has not reached the committed offset yet. */
  private readonly belowFloor = new Set<number>();

  /** After a join: the held partitions and what the group has committed for them. */
  reset(partitions: readonly number[], committed: ReadonlyMap<number, CommittedPosition>): void {
    this.positions.clear();
    this.belowFloor.clear();
    for (const p of partitions) {
      const c = committed.get(p);
      if (c === undefined || c.offset < 0) continue;
      this.positions.set(p, { offset: BigInt(c.offset), metadata: c.metadata ?? undefined });
      this.belowFloor.add(p);
    }
  }

  /**
   * The records at or above the committed offset. kafkajs may start a partition below it: it read
   * the offset before the previous holder's last commit became visible. Those records were
   * processed and committed already. Once a batch reaches the offset, nothing more is filtered.
   */
  notYetCommitted<M extends { readonly offset: string }>(partition: number, messages: readonly M[]): { kept: readonly M[]; skipped: number } {
    const floor = this.belowFloor.has(partition) ? this.positions.get(partition)?.offset : undefined;
    if (floor === undefined) return { kept: messages, skipped: 0 };
    const kept = messages.filter((m) => BigInt(m.offset) >= floor);
    if (kept.length > 0) this.belowFloor.delete(partition);
    return { kept, skipped: messages.length - kept.length };
  }

  committed(partition: number, offset: bigint, metadata: string | undefined): void {
    this.positions.set(partition, { offset, metadata });
    this.belowFloor.delete(partition);
  }

  /**
   * The consumer passed records the pipeline never sees (a transaction marker fetched after its
   * transaction's records, aborted records) up to `next`: the position to commit so the group's
   * offset reaches the partition's end, with the metadata of the last commit; undefined when the
   * committed offset is there already.
   */
  afterInvisibleRecords(partition: number, next: bigint): Position | undefined {
    const current = this.positions.get(partition);
    if (current !== undefined && current.offset >= next) return undefined;
    return { offset: next, metadata: current?.metadata };
  }
}
