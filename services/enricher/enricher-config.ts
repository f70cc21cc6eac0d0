import os from 'node:os';
import { z } from 'zod';
import { configFromEnv, KAFKA_ENV, kafkaConnectionSchema, parseConfig, SERVICE_COMMON_ENV, serviceCommonFields, type EnvBinding } from '../../lib/config';
import { DEFAULT_SIZE_LIMITS } from './record-processor';

/** Every key of the enricher, its default and its unit; the README lists them from here. */
export const enricherConfigSchema = z
  .object({
    kafka: kafkaConnectionSchema.extend({ clientId: z.string().min(1).default('logpipe-enricher') }),
    /** Consumer group; instances in one group share the input partitions. */
    groupId: z.string().min(1).default('logpipe-enricher'),
    /** Names this instance in logs, metrics and the `enricher_instance` field of its records. */
    instanceId: z.string().min(1).default(os.hostname()),
    inputTopic: z.string().min(1).default('logs.raw'),
    outputTopic: z.string().min(1).default('logs.enriched'),
    dlqTopic: z.string().min(1).default('logs.dlq'),
    geoip: z
      .object({
        /** MaxMind City database (.mmdb); unset: no country/city/location. */
        cityDb: z.string().min(1).optional(),
        /** MaxMind ASN database (.mmdb); unset: no ASN/organization. */
        asnDb: z.string().min(1).optional(),
      })
      .strict()
      .default({}),
    /** Consumer session timeout: how soon a dead instance's partitions move to the others. */
    sessionTimeoutMs: z.number().int().min(6_000).default(30_000),
    /**
     * Threads that decode, validate, enrich and encode, while the main thread fetches and
     * produces; 0 does it all on the main thread. Pass-through never uses them.
     */
    workerThreads: z.number().int().min(0).max(16).default(1),
    /** Forward records unchanged (benchmark baseline); never for production. */
    passThrough: z.boolean().default(false),
    /** Event times before this are dead-lettered. */
    minTimestamp: z.iso.datetime({ offset: true }).default('2000-01-01T00:00:00Z'),
    /** Event times this far ahead of the enricher's clock are dead-lettered; 1 day. */
    maxFutureSkewSec: z.number().int().nonnegative().default(86_400),
    /** Messages longer than this (UTF-8 bytes) are cut and tagged `message_truncated`. */
    maxMessageBytes: z.number().int().positive().default(DEFAULT_SIZE_LIMITS.maxMessageBytes),
    /** Enriched records larger than this are dead-lettered (keep it below the enriched topic's max.message.bytes). */
    maxOutputBytes: z.number().int().positive().default(DEFAULT_SIZE_LIMITS.maxOutputBytes),
    ...serviceCommonFields(8081),
  })
  .strict();

export type EnricherConfigInput = z.input<typeof enricherConfigSchema>;
export type EnricherConfig = Readonly<z.output<typeof enricherConfigSchema>>;

export const ENRICHER_ENV: readonly EnvBinding[] = [
  ...KAFKA_ENV,
  { env: 'ENRICHER_GROUP_ID', key: 'groupId', type: 'string' },
  { env: 'ENRICHER_INSTANCE_ID', key: 'instanceId', type: 'string' },
  { env: 'ENRICHER_INPUT_TOPIC', key: 'inputTopic', type: 'string' },
  { env: 'ENRICHER_OUTPUT_TOPIC', key: 'outputTopic', type: 'string' },
  { env: 'ENRICHER_DLQ_TOPIC', key: 'dlqTopic', type: 'string' },
  { env: 'GEOIP_CITY_DB', key: 'geoip.cityDb', type: 'string' },
  { env: 'GEOIP_ASN_DB', key: 'geoip.asnDb', type: 'string' },
  { env: 'ENRICHER_SESSION_TIMEOUT_MS', key: 'sessionTimeoutMs', type: 'number' },
  { env: 'ENRICHER_WORKER_THREADS', key: 'workerThreads', type: 'number' },
  { env: 'ENRICHER_PASS_THROUGH', key: 'passThrough', type: 'boolean' },
  { env: 'ENRICHER_MIN_TIMESTAMP', key: 'minTimestamp', type: 'string' },
  { env: 'ENRICHER_MAX_FUTURE_SKEW_SEC', key: 'maxFutureSkewSec', type: 'number' },
  { env: 'ENRICHER_MAX_MESSAGE_BYTES', key: 'maxMessageBytes', type: 'number' },
  { env: 'ENRICHER_MAX_OUTPUT_BYTES', key: 'maxOutputBytes', type: 'number' },
  ...SERVICE_COMMON_ENV,
];

export function parseEnricherConfig(input: unknown): EnricherConfig {
  return parseConfig(enricherConfigSchema, input, 'enricher');
}

export function enricherConfigFromEnv(env: NodeJS.ProcessEnv): EnricherConfig {
  return parseEnricherConfig(configFromEnv(env, ENRICHER_ENV));
}
