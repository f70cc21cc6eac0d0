/**
 * A problem the operator can fix (missing tool, taken port, failed download).
 * The CLI prints `message` as one sentence, never a stack trace.
 */
export class StackError extends Error {
  override readonly name = 'StackError';
}
