import { z } from 'zod';
import { configFromEnv, KAFKA_ENV, kafkaConnectionSchema, parseConfig, SERVICE_COMMON_ENV, serviceCommonFields, type EnvBinding } from '../../lib/config';

/** Where Loki is and how to authenticate; secrets here are redacted by lib/telemetry (`*.*.password`, `*.*.bearerToken`). */
export const lokiConnectionSchema = z
  .object({
    /** Base URL; the sink POSTs to `<url>/loki/api/v1/push`. */
    url: z.url().refine((u) => !URL.canParse(u) || (new URL(u).username === '' && new URL(u).password === ''), {
      // The URL is logged with the config at start; only the credential keys are redacted.
      message: 'put credentials in username/password or bearerToken, not in the URL (it is logged)',
    }),
    /** Sent as `X-Scope-OrgID` (multi-tenant Loki); left out when unset. */
    tenantId: z.string().min(1).optional(),
    /** Basic auth, e.g. in front of a gateway; exclusive with bearerToken. */
    username: z.string().min(1).optional(),
    password: z.string().min(1).optional(),
    /** `Authorization: Bearer <token>`; exclusive with username/password. */
    bearerToken: z.string().min(1).optional(),
    /** PEM file of the CA that signed Loki's certificate (https URLs), in addition to the system's. */
    caFile: z.string().min(1).optional(),
    /** TLS: verify the server's certificate (turn off only for a self-signed test server). */
    rejectUnauthorized: z.boolean().default(true),
  })
  .strict()
  .superRefine((loki, ctx) => {
    if (loki.bearerToken !== undefined && (loki.username !== undefined || loki.password !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['bearerToken'], message: 'give either bearerToken or username/password, not both' });
    }
    if (loki.password !== undefined && loki.username === undefined) {
      ctx.addIssue({ code: 'custom', path: ['username'], message: 'a password needs a username' });
    }
  });

/** Every key of sink-loki, its default and its unit. */
export const sinkLokiConfigSchema = z
  .object({
    kafka: kafkaConnectionSchema.extend({ clientId: z.string().min(1).default('logpipe-sink-loki') }),
    groupId: z.string().min(1).default('logpipe-sink-loki'),
    inputTopic: z.string().min(1).default('logs.enriched'),
    dlqTopic: z.string().min(1).default('logs.dlq'),
    loki: lokiConnectionSchema,
    /** Value of the `job` label of every stream. */
    job: z.string().min(1).default('dfs'),
    /** The line: the record as JSON (`| json` in LogQL) or as logfmt (`| logfmt`). */
    lineFormat: z.enum(['json', 'logfmt']).default('json'),
    /** protobuf: snappy-compressed logproto.PushRequest, what Promtail and Alloy send. json: the JSON push body, a fallback for proxies that only pass JSON. */
    pushFormat: z.enum(['protobuf', 'json']).default('protobuf'),
    /** Uncompressed bytes of lines and metadata per push request (Promtail's batchsize: 1 MiB). */
    maxBatchBytes: z.number().int().positive().default(1024 * 1024),
    /** Label values longer than this are cut (at a character boundary); Loki's own limit, max_label_value_length, defaults to 2048. */
    maxLabelValueBytes: z.number().int().min(16).max(2048).default(1024),
    /** HTTP connections to Loki: the bound on pushes in flight. */
    maxInFlight: z.number().int().positive().default(2),
    /**
     * Partition batches decoded and queued at once. Larger than maxInFlight so the next
     * requests are ready while others are in flight; memory is bounded by the fetch either way.
     */
    partitionsInProgress: z.number().int().positive().default(8),
    /**
     * Bytes fetched per partition at a time. kafkajs fetches the next round only when every
     * batch of the last one is pushed, so small batches leave connections idle at each round's tail.
     */
    fetchBytesPerPartition: z.number().int().positive().default(4 * 1_048_576),
    /** How long a fetch waits to fill a batch: the longest a record waits to be pushed (Promtail's batchwait: 1 s). */
    flushIntervalMs: z.number().int().positive().default(1_000),
    /** One push's deadline for headers and body; past it the push counts as unreachable and is retried. */
    requestTimeoutMs: z.number().int().positive().default(30_000),
    retryInitialMs: z.number().int().positive().default(500), // Promtail's min_period
    retryMaxMs: z.number().int().positive().default(30_000),
    sessionTimeoutMs: z.number().int().min(6_000).default(30_000),
    ...serviceCommonFields(8084),
  })
  .strict()
  .superRefine((config, ctx) => {
    if (config.retryMaxMs < config.retryInitialMs) ctx.addIssue({ code: 'custom', path: ['retryMaxMs'], message: `must be at least retryInitialMs (${config.retryInitialMs})` });
  });

export type SinkLokiConfig = Readonly<z.output<typeof sinkLokiConfigSchema>>;

export const SINK_LOKI_ENV: readonly EnvBinding[] = [
  ...KAFKA_ENV,
  { env: 'SINK_LOKI_GROUP_ID', key: 'groupId', type: 'string' },
  { env: 'SINK_LOKI_INPUT_TOPIC', key: 'inputTopic', type: 'string' },
  { env: 'SINK_LOKI_DLQ_TOPIC', key: 'dlqTopic', type: 'string' },
  { env: 'LOKI_URL', key: 'loki.url', type: 'string' },
  { env: 'LOKI_TENANT_ID', key: 'loki.tenantId', type: 'string' },
  { env: 'LOKI_USERNAME', key: 'loki.username', type: 'string' },
  { env: 'LOKI_PASSWORD', key: 'loki.password', type: 'string' },
  { env: 'LOKI_BEARER_TOKEN', key: 'loki.bearerToken', type: 'string' },
  { env: 'LOKI_TLS_CA_FILE', key: 'loki.caFile', type: 'string' },
  { env: 'LOKI_TLS_REJECT_UNAUTHORIZED', key: 'loki.rejectUnauthorized', type: 'boolean' },
  { env: 'SINK_LOKI_JOB', key: 'job', type: 'string' },
  { env: 'SINK_LOKI_LINE_FORMAT', key: 'lineFormat', type: 'string' },
  { env: 'SINK_LOKI_PUSH_FORMAT', key: 'pushFormat', type: 'string' },
  { env: 'SINK_LOKI_MAX_BATCH_BYTES', key: 'maxBatchBytes', type: 'number' },
  { env: 'SINK_LOKI_MAX_LABEL_VALUE_BYTES', key: 'maxLabelValueBytes', type: 'number' },
  { env: 'SINK_LOKI_MAX_IN_FLIGHT', key: 'maxInFlight', type: 'number' },
  { env: 'SINK_LOKI_PARTITIONS_IN_PROGRESS', key: 'partitionsInProgress', type: 'number' },
  { env: 'SINK_LOKI_FETCH_BYTES_PER_PARTITION', key: 'fetchBytesPerPartition', type: 'number' },
  { env: 'SINK_LOKI_FLUSH_INTERVAL_MS', key: 'flushIntervalMs', type: 'number' },
  { env: 'SINK_LOKI_REQUEST_TIMEOUT_MS', key: 'requestTimeoutMs', type: 'number' },
  { env: 'SINK_LOKI_RETRY_INITIAL_MS', key: 'retryInitialMs', type: 'number' },
  { env: 'SINK_LOKI_RETRY_MAX_MS', key: 'retryMaxMs', type: 'number' },
  { env: 'SINK_LOKI_SESSION_TIMEOUT_MS', key: 'sessionTimeoutMs', type: 'number' },
  ...SERVICE_COMMON_ENV,
];

export function parseSinkLokiConfig(input: unknown): SinkLokiConfig {
  return parseConfig(sinkLokiConfigSchema, input, 'sink-loki');
}

export function sinkLokiConfigFromEnv(env: NodeJS.ProcessEnv): SinkLokiConfig {
  return parseSinkLokiConfig(configFromEnv(env, SINK_LOKI_ENV));
}
