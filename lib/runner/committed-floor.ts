/**
 * Per partition, the offset the group had committed when this member became its holder, read
 * after fencing (so it includes the previous holder's last transaction). Records fetched below
 * it were processed and committed already: kafkajs started from an older offset it read before
 * the previous holder's last commit became visible.
 */
export class CommittedFloor {
  private readonly floors = new Map<number, bigint>();

  /** `committed`: the group's committed offset per partition, -1 or absent when none. */
  reset(partitions: readonly number[], committed: ReadonlyMap<number, number>): void {
    this.floors.clear();
    for (const p of partitions) {
      const offset = committed.get(p);
      if (offset !== undefined && offset >= 0) this.floors.set(p, BigInt(offset));
    }
  }

  /** The records at or above the floor. Once a batch reaches the floor it is forgotten. */
  filter<M extends { readonly offset: string }>(partition: number, messages: readonly M[]): { kept: readonly M[]; skipped: number } {
    const floor = this.floors.get(partition);
    if (floor === undefined) return { kept: messages, skipped: 0 };
    const kept = messages.filter((m) => BigInt(m.offset) >= floor);
    if (kept.length > 0) this.floors.delete(partition);
    return { kept, skipped: messages.length - kept.length };
  }
}
