import type { ErrorCode } from './error-codes';

/** Where an error happened and on what: enough to find the record and the bad value. */
export interface ErrorContext {
  readonly topic?: string;
  readonly partition?: number;
  readonly offset?: string;
  readonly field?: string;
  readonly value?: unknown;
  readonly [key: string]: unknown;
}

export interface LogpipeErrorOptions {
  /** True only when repeating the same operation can succeed. Unknown errors are not retriable. */
  readonly retriable?: boolean;
  readonly cause?: unknown;
  readonly context?: ErrorContext;
}

/** The one error type logpipe throws: a stable code, a sentence, a retriable flag and context. */
export class LogpipeError extends Error {
  override readonly name = 'LogpipeError';
  readonly code: ErrorCode;
  readonly retriable: boolean;
  readonly context: ErrorContext;

  constructor(code: ErrorCode, message: string, options: LogpipeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.retriable = options.retriable ?? false;
    this.context = options.context ?? {};
  }

  /** For logs and dead-letter headers: no stack, the cause reduced to its message. */
  toJSON(): Record<string, unknown> {
    const cause = this.cause instanceof Error ? this.cause.message : this.cause;
    return { code: this.code, message: this.message, retriable: this.retriable, ...this.context, ...(cause === undefined ? {} : { cause }) };
  }
}

export function isLogpipeError(err: unknown, code?: ErrorCode): err is LogpipeError {
  return err instanceof LogpipeError && (code === undefined || err.code === code);
}
