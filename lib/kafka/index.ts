export { createKafka, type KafkaConnection } from './kafka-client';
export { isRetriableKafkaError } from './retriable-kafka-error';
export { AssignmentTracker } from './assignment-tracker';
export { fetchCommittedOffsets, fetchCommittedPositions, committedTotal, partitionsBehind, type CommittedPosition } from './committed-offsets';
export { readPartitionsToEnd, readTopicToEnd } from './read-partitions-to-end';
export { membershipLostCause, rejoinGroupError } from './group-membership-error';
export { ConsumerCrashWatch, rerunConsumer } from './consumer-crash-watch';
export { isApplicationError, isPermanentKafkaError } from './permanent-kafka-error';
export { retryWhileTransient, type RetryWhileTransientOptions } from './retry-while-transient';
