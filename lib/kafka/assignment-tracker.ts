import type { Consumer } from 'kafkajs';
import type { Logger } from '../telemetry';

/** Follows a consumer's group joins: how many partitions of `topic` it holds now (for /readyz). */
export class AssignmentTracker {
  private assigned = 0;

  constructor(consumer: Consumer, topic: string, logger: Logger) {
    consumer.on(consumer.events.GROUP_JOIN, (e) => {
      const assignment = e.payload.memberAssignment as Record<string, number[]>;
      this.assigned = assignment[topic]?.length ?? 0;
      logger.info({ groupId: e.payload.groupId, assignment }, 'Joined the consumer group');
    });
  }

  get partitions(): number {
    return this.assigned;
  }
}
