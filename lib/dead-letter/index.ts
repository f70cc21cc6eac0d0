export { deadLetterMessage, readDeadLetterHeaders, DLQ_HEADERS, type DeadLetterReason, type DeadLetterStage, type OutputMessage, type SourcePosition } from './dead-letter-message';
