export { createLogger, REDACTED_PATHS, type Logger, type LoggerSettings } from './logger';
export { counter, gauge, histogram, Registry, defaultRegistry } from './metrics';
