import os from 'node:os';
import { z } from 'zod';
import { configFromEnv, KAFKA_ENV, kafkaConnectionSchema, parseConfig, SERVICE_COMMON_ENV, serviceCommonFields, type EnvBinding } from '../../lib/config';

/** Every key of the analyzer, its default and its unit; the README lists them from here. */
export const analyzerConfigSchema = z
  .object({
    kafka: kafkaConnectionSchema.extend({ clientId: z.string().min(1).default('logpipe-analyzer') }),
    /**
     * Consumer group of the aggregate stage; the merge stage uses `<groupId>.merge`, and the
     * internal topics are `<groupId>.partials` and `<groupId>.state` (like a Kafka Streams application id).
     */
    groupId: z.string().regex(/^[A-Za-z0-9._-]+$/, 'expected letters, digits, . _ -').default('logpipe-analyzer'),
    /** Names this instance in logs and dead letters. */
    instanceId: z.string().min(1).default(os.hostname()),
    inputTopic: z.string().min(1).default('logs.enriched'),
    alertsTopic: z.string().min(1).default('logs.alerts'),
    summariesTopic: z.string().min(1).default('logs.summaries'),
    dlqTopic: z.string().min(1).default('logs.dlq'),
    /** YAML or JSON rule file; unset: the shipped default rules. */
    rulesFile: z.string().min(1).optional(),
    /** Tumbling window of the summaries, ms; 1 hour. */
    summaryWindowMs: z.number().int().min(1_000).default(3_600_000),
    /** How far behind its partition's newest record a record may be and still count, ms. */
    allowedLatenessMs: z.number().int().nonnegative().default(30_000),
    /** A caught-up input partition quiet this long stops holding windows open, ms. */
    idleTimeoutMs: z.number().int().min(100).default(30_000),
    /** While an alert keeps firing, notify again after this much event time, ms; 0: never. */
    renotifyMs: z.number().int().nonnegative().default(3_600_000),
    /** Sample log_ids per alert event. */
    maxSamples: z.number().int().min(0).max(100).default(5),
    /** Partitions of the internal topics when the analyzer creates them; default: as many as the input. */
    internalPartitions: z.number().int().positive().optional(),
    sessionTimeoutMs: z.number().int().min(6_000).default(30_000),
    ...serviceCommonFields(8083),
  })
  .strict();

export type AnalyzerConfigInput = z.input<typeof analyzerConfigSchema>;
export type AnalyzerConfig = Readonly<z.output<typeof analyzerConfigSchema>>;

export const ANALYZER_ENV: readonly EnvBinding[] = [
  ...KAFKA_ENV,
  { env: 'ANALYZER_GROUP_ID', key: 'groupId', type: 'string' },
  { env: 'ANALYZER_INSTANCE_ID', key: 'instanceId', type: 'string' },
  { env: 'ANALYZER_INPUT_TOPIC', key: 'inputTopic', type: 'string' },
  { env: 'ANALYZER_ALERTS_TOPIC', key: 'alertsTopic', type: 'string' },
  { env: 'ANALYZER_SUMMARIES_TOPIC', key: 'summariesTopic', type: 'string' },
  { env: 'ANALYZER_DLQ_TOPIC', key: 'dlqTopic', type: 'string' },
  { env: 'ANALYZER_RULES_FILE', key: 'rulesFile', type: 'string' },
  { env: 'ANALYZER_SUMMARY_WINDOW_MS', key: 'summaryWindowMs', type: 'number' },
  { env: 'ANALYZER_ALLOWED_LATENESS_MS', key: 'allowedLatenessMs', type: 'number' },
  { env: 'ANALYZER_IDLE_TIMEOUT_MS', key: 'idleTimeoutMs', type: 'number' },
  { env: 'ANALYZER_RENOTIFY_MS', key: 'renotifyMs', type: 'number' },
  { env: 'ANALYZER_MAX_SAMPLES', key: 'maxSamples', type: 'number' },
  { env: 'ANALYZER_INTERNAL_PARTITIONS', key: 'internalPartitions', type: 'number' },
  { env: 'ANALYZER_SESSION_TIMEOUT_MS', key: 'sessionTimeoutMs', type: 'number' },
  ...SERVICE_COMMON_ENV,
];

export function parseAnalyzerConfig(input: unknown): AnalyzerConfig {
  return parseConfig(analyzerConfigSchema, input, 'analyzer');
}

export function analyzerConfigFromEnv(env: NodeJS.ProcessEnv): AnalyzerConfig {
  return parseAnalyzerConfig(configFromEnv(env, ANALYZER_ENV));
}

/** Names derived from the group id. */
export function internalNames(config: Pick<AnalyzerConfig, 'groupId'>): { mergeGroupId: string; partialsTopic: string; stateTopic: string } {
  return { mergeGroupId: `${config.groupId}.merge`, partialsTopic: `${config.groupId}.partials`, stateTopic: `${config.groupId}.state` };
}
