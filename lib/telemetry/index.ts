export { createLogger, REDACTED_PATHS, type Logger, type LoggerSettings } from './logger';
export { counter, gauge, histogram, Registry, defaultRegistry } from './metrics';
export { startServiceHttpServer, type Readiness } from './service-http-server';
