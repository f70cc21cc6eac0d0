export { ERROR_CODES, type ErrorCode } from './error-codes';
export { LogpipeError, isLogpipeError, type ErrorContext, type LogpipeErrorOptions } from './logpipe-error';
export { describeValue } from './describe-value';
