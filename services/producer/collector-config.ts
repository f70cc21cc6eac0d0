import { z } from 'zod';
import { kafkaConnectionSchema, parseConfig } from '../../lib/config';

/** Options of createLogCollector; every key, its default and its unit. */
export const collectorConfigSchema = z
  .object({
    /** The machine this process runs on; the Kafka key, so one node's records stay in order. */
    nodeId: z.string().min(1),
    /** The program that logs, e.g. `storage-node`. */
    service: z.string().min(1),
    version: z.string().min(1).optional(),
    kafka: kafkaConnectionSchema,
    topic: z.string().min(1).default('logs.raw'),
    /** Records held in memory while Kafka catches up. */
    maxBufferRecords: z.number().int().positive().default(100_000),
    maxBufferBytes: z.number().int().positive().default(64 * 1024 * 1024), // 64 MiB
    /** What a full buffer does: `block` makes log() wait; `drop` refuses, counts and reports. */
    overflow: z.enum(['block', 'drop']).default('block'),
    maxBatchRecords: z.number().int().positive().default(10_000),
    /** Bytes per produce request, record overhead included; below the broker's message.max.bytes (1 MiB + 12). */
    maxBatchBytes: z.number().int().positive().default(1_000_000),
    /** A record larger than this is refused at the call (the broker's message.max.bytes is ~1 MiB). */
    maxRecordBytes: z.number().int().positive().default(1_000_000),
    /** How long a partial batch waits for more records; Kafka's Java producer defaults to 5 ms. */
    lingerMs: z.number().int().nonnegative().default(5),
    /** Chosen by measurement: see docs/BENCHMARKS.md. */
    compression: z.enum(['none', 'gzip']).default('none'),
    /** How long close() waits for every buffered record to be acknowledged. */
    closeTimeoutMs: z.number().int().positive().default(30_000),
    /** How often dropped-record counts are reported as a warning. */
    dropReportIntervalMs: z.number().int().positive().default(10_000),
    /** Retry back-off bounds for a failed produce request. */
    retryInitialMs: z.number().int().positive().default(200),
    retryMaxMs: z.number().int().positive().default(10_000),
    /** Close (flush everything) on SIGTERM/SIGINT, then let the signal take its course. */
    closeOnSignals: z.boolean().default(true),
  })
  .strict();

export type CollectorConfigInput = z.input<typeof collectorConfigSchema>;
export type CollectorConfig = Readonly<z.output<typeof collectorConfigSchema>>;

export function parseCollectorConfig(input: unknown): CollectorConfig {
  return parseConfig(collectorConfigSchema, input, 'log collector');
}
