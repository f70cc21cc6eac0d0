import { z } from 'zod';
import type { EnvBinding } from './env-source';

/** Keys every long-running service has: its HTTP endpoints, log level and shutdown deadline. */
export function serviceCommonFields(defaultHttpPort: number) {
  return {
    /** Port of /metrics, /healthz and /readyz; 0 picks a free one. */
    httpPort: z.number().int().min(0).max(65535).default(defaultHttpPort),
    httpHost: z.string().default('0.0.0.0'),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** How long SIGTERM may take: the batch in flight finishes (or is given back) within it. */
    shutdownTimeoutMs: z.number().int().positive().default(30_000),
  };
}

export const SERVICE_COMMON_ENV: readonly EnvBinding[] = [
  { env: 'HTTP_PORT', key: 'httpPort', type: 'number' },
  { env: 'HTTP_HOST', key: 'httpHost', type: 'string' },
  { env: 'LOG_LEVEL', key: 'logLevel', type: 'string' },
  { env: 'SHUTDOWN_TIMEOUT_MS', key: 'shutdownTimeoutMs', type: 'number' },
];
