import fs from 'node:fs';
import { LogpipeError } from '../errors';

export type EnvType = 'string' | 'number' | 'boolean' | 'list';

/** One environment variable and the config key (dotted path) it sets. */
export interface EnvBinding {
  readonly env: string;
  readonly key: string;
  readonly type: EnvType;
}

/**
 * Builds a raw config object: the JSON file named by LOGPIPE_CONFIG_FILE (if any), then the
 * bound environment variables on top. Values are converted by type where they parse; a value
 * that does not stays a string, so validation reports it with the key, the value and the type.
 */
export function configFromEnv(env: NodeJS.ProcessEnv, bindings: readonly EnvBinding[]): Record<string, unknown> {
  const config = readConfigFile(env.LOGPIPE_CONFIG_FILE);
  for (const binding of bindings) {
    const raw = env[binding.env];
    if (raw === undefined || raw === '') continue;
    setPath(config, binding.key, convert(raw, binding.type));
  }
  return config;
}

function convert(raw: string, type: EnvType): unknown {
  switch (type) {
    case 'number':
      return raw.trim() !== '' && Number.isFinite(Number(raw)) ? Number(raw) : raw;
    case 'boolean':
      return raw === 'true' || raw === '1' ? true : raw === 'false' || raw === '0' ? false : raw;
    case 'list':
      return raw
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '');
    default:
      return raw;
  }
}

function setPath(target: Record<string, unknown>, dotted: string, value: unknown): void {
  const keys = dotted.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    const next = node[key];
    if (next === null || typeof next !== 'object') node[key] = {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1] as string] = value;
}

function readConfigFile(file: string | undefined): Record<string, unknown> {
  if (file === undefined || file === '') return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (cause) {
    throw new LogpipeError('CONFIG_INVALID', `LOGPIPE_CONFIG_FILE ${file} cannot be read as JSON: ${(cause as Error).message}`, { cause, context: { field: 'LOGPIPE_CONFIG_FILE', value: file } });
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new LogpipeError('CONFIG_INVALID', `LOGPIPE_CONFIG_FILE ${file} must hold a JSON object`, { context: { field: 'LOGPIPE_CONFIG_FILE', value: file } });
  }
  return parsed as Record<string, unknown>;
}

/** The Kafka connection variables every service reads. */
export const KAFKA_ENV: readonly EnvBinding[] = [
  { env: 'KAFKA_BROKERS', key: 'kafka.brokers', type: 'list' },
  { env: 'KAFKA_CLIENT_ID', key: 'kafka.clientId', type: 'string' },
  { env: 'KAFKA_SSL', key: 'kafka.ssl', type: 'boolean' },
  { env: 'KAFKA_SSL_CA_FILE', key: 'kafka.ssl.caFile', type: 'string' },
  { env: 'KAFKA_SASL_MECHANISM', key: 'kafka.sasl.mechanism', type: 'string' },
  { env: 'KAFKA_SASL_USERNAME', key: 'kafka.sasl.username', type: 'string' },
  { env: 'KAFKA_SASL_PASSWORD', key: 'kafka.sasl.password', type: 'string' },
];
