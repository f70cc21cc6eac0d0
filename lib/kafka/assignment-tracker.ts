import type { Consumer } from 'kafkajs';
import type { Logger } from '../telemetry';

/** Follows a consumer's group joins: which partitions of `topic` it holds now (for /readyz and stateful stages). */
export class AssignmentTracker {
  private assigned: readonly number[] = [];
  private readonly listeners: Array<(partitions: readonly number[]) => void> = [];

  constructor(consumer: Consumer, topic: string, logger: Logger) {
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      const assignment = e.payload.memberAssignment as Record<string, number[]>;
      this.assigned = [...(assignment[topic] ?? [])].sort((a, b) => a - b);
      logger.info({ groupId: e.payload.groupId, assignment }, 'Joined the consumer group');
      for (const listener of this.listeners) listener(this.assigned);
    });
  }

  get partitions(): number {
    return this.assigned.length;
  }

  get partitionList(): readonly number[] {
    return this.assigned;
  }

  /** Called after every join with the partitions now held. */
  onAssignment(listener: (partitions: readonly number[]) => void): void {
    this.listeners.push(listener);
  }
}
