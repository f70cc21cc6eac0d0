import type { AvroCodec } from '../../lib/codec';
import { deadLetterMessage, type DeadLetterStage, type OutputMessage, type SourcePosition } from '../../lib/dead-letter';
import { isLogpipeError, LogpipeError } from '../../lib/errors';
import { LOG_RECORD_SCHEMA, nowMicros, type LogRecord } from '../../lib/records';
import { enrichRecord } from './enrich-record';
import { ENRICHED_RECORD_SCHEMA } from './enriched-record';
import type { GeoIpLookup } from './enrichments/geoip-lookup';
import { validateRecord, type ValidationLimits } from './validate-record';

export interface ProcessorSettings {
  readonly outputTopic: string;
  readonly dlqTopic: string;
  readonly instanceId: string;
  /** Forward raw bytes unchanged: the benchmark's baseline for the cost of enrichment. */
  readonly passThrough: boolean;
  readonly limits: ValidationLimits;
  readonly sizeLimits?: SizeLimits;
}

export interface SizeLimits {
  /** Longer messages are cut to this many UTF-8 bytes and tagged `message_truncated`. */
  readonly maxMessageBytes: number;
  /** A larger enriched record is dead-lettered: Kafka would refuse it, and the batch's transaction with it, forever. */
  readonly maxOutputBytes: number;
}

/**
 * 128 KiB is half of Loki's default max_line_size (256 KiB): room for the rest of the line.
 * 1,000,000 bytes stays below Kafka's default max.message.bytes (1,048,588) with room for
 * the record batch overhead.
 */
export const DEFAULT_SIZE_LIMITS: SizeLimits = { maxMessageBytes: 131_072, maxOutputBytes: 1_000_000 };

export type ProcessOutcome = 'enriched' | 'dead_lettered' | 'passed_through';

/**
 * Turns one raw record into exactly one output: an enriched record keyed as its input
 * (so per-node order holds downstream), or a dead-letter record with the reason.
 */
export class RecordProcessor {
  constructor(
    private readonly codec: AvroCodec,
    private readonly geoip: GeoIpLookup,
    private readonly settings: ProcessorSettings,
  ) {}

  private get sizeLimits(): SizeLimits {
    return this.settings.sizeLimits ?? DEFAULT_SIZE_LIMITS;
  }

  process(key: Buffer | null, value: Buffer | null, source: SourcePosition): { message: OutputMessage; outcome: ProcessOutcome } {
    if (this.settings.passThrough) {
      return { message: { topic: this.settings.outputTopic, key, value: value ?? Buffer.alloc(0) }, outcome: 'passed_through' };
    }
    let stage: DeadLetterStage = 'decode';
    try {
      if (value === null) throw new Error('record has no value (a tombstone)');
      const record = this.codec.decode<LogRecord>(value, LOG_RECORD_SCHEMA).value;
      stage = 'validate';
      const now = nowMicros();
      const context = validateRecord(record, this.settings.limits, now);
      stage = 'enrich';
      const enriched = enrichRecord(record, context, { geoip: this.geoip, instanceId: this.settings.instanceId, nowMicros: now, maxMessageBytes: this.sizeLimits.maxMessageBytes });
      const encoded = this.codec.encode(ENRICHED_RECORD_SCHEMA, enriched);
      if (encoded.length > this.sizeLimits.maxOutputBytes) {
        throw new LogpipeError(
          'ENRICH_TOO_LARGE',
          `the enriched record is ${encoded.length} bytes (context ${Buffer.byteLength(record.context)} bytes), expected at most ${this.sizeLimits.maxOutputBytes} (ENRICHER_MAX_OUTPUT_BYTES)`,
          { context: { field: 'context', value: `${Buffer.byteLength(record.context)} bytes` } },
        );
      }
      return { message: { topic: this.settings.outputTopic, key, value: encoded }, outcome: 'enriched' };
    } catch (err) {
      const why = isLogpipeError(err)
        ? { stage, code: err.code, reason: err.message, field: typeof err.context.field === 'string' ? err.context.field : undefined }
        : { stage, code: stage === 'decode' ? 'CODEC_INVALID_BODY' : 'ENRICH_UNEXPECTED', reason: err instanceof Error ? err.message : String(err) };
      return { message: deadLetterMessage(this.settings.dlqTopic, { key, value }, source, why, this.settings.instanceId), outcome: 'dead_lettered' };
    }
  }
}
