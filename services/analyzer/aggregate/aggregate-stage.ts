import type { Admin, KafkaMessage } from 'kafkajs';
import type { AvroCodec } from '../../../lib/codec';
import { deadLetterMessage } from '../../../lib/dead-letter';
import { isLogpipeError } from '../../../lib/errors';
import { partitionsBehind, type CommittedPosition } from '../../../lib/kafka';
import type { AnyOutput, PipelineBatch, PipelineBatchResult, TickResult } from '../../../lib/runner/transactional-pipeline';
import { ENRICHED_RECORD_SCHEMA, type EnrichedRecord } from '../../enricher/enriched-record';
import type { CompiledRule } from '../rules/compile-rule';
import { ANALYZER_PARTIAL_SCHEMA, type AnalyzerPartial, type SourceWatermark } from '../merge/state-types';
import { aggregateBatch, type AggregatorSettings } from './partial-aggregator';

export type AggregateOutcome = 'aggregated' | 'late' | 'dead_lettered';

export interface AggregateStageSettings extends AggregatorSettings {
  readonly groupId: string;
  readonly inputTopic: string;
  readonly partialsTopic: string;
  readonly dlqTopic: string;
  readonly instanceId: string;
  readonly inputPartitions: number;
  readonly partialsPartitions: number;
  readonly idleTimeoutMs: number;
}

interface PartitionProgress {
  watermark: number;
  /** Processing time of the last batch (or of the assignment). */
  lastActivity: number;
  /** Processing time of the last committed idle announcement since that batch. */
  idleAnnouncedAt: number | undefined;
}

/**
 * The first stage of the analyzer: per input partition batch, one partial per rule group and
 * summary window, keyed so that one partition of the partials topic holds all of a key, then
 * this partition's watermark to every partials partition. The watermark is kept with the
 * committed offset (its metadata), so a restarted or new owner judges lateness as the old one did.
 */
export class AggregateStage {
  private readonly progress = new Map<number, PartitionProgress>();

  constructor(
    private readonly codec: AvroCodec,
    private readonly rules: readonly CompiledRule[],
    private readonly settings: AggregateStageSettings,
    private readonly admin: () => Promise<Admin>,
    private readonly onLate: (records: number) => void,
  ) {}

  /**
   * A rebalance may have moved partitions: their progress starts again from the watermarks stored
   * with the committed offsets (read by the pipeline after fencing).
   */
  assigned(committed: ReadonlyMap<number, CommittedPosition>): void {
    this.progress.clear();
    this.committedWatermarks = new Map([...committed].map(([partition, p]) => [partition, watermarkFromMetadata(p.metadata)]));
  }

  private committedWatermarks: ReadonlyMap<number, number> = new Map();

  async processBatch(batch: PipelineBatch): Promise<PipelineBatchResult<AggregateOutcome>> {
    const progress = this.progressOf(batch.partition);
    const records: EnrichedRecord[] = [];
    const outputs: AnyOutput[] = [];
    let deadLettered = 0;
    for (const m of batch.messages) {
      const record = this.decode(m, batch, outputs);
      if (record === undefined) deadLettered++;
      else records.push(record);
    }
    const result = aggregateBatch(records, this.rules, progress.watermark, this.settings);
    progress.lastActivity = Date.now();
    const { partialsTopic } = this.settings;
    for (const rule of result.rules) outputs.push({ topic: partialsTopic, key: `rule|${rule.rule_id}|${rule.group_key}`, value: this.encode({ rule, summary: null, watermark: null }) });
    for (const summary of result.summaries) outputs.push({ topic: partialsTopic, key: `summary|${summary.window_start}`, value: this.encode({ rule: null, summary, watermark: null }) });
    // Before this partition's watermark moves on: any other input partition with unread records
    // is not idle, whatever it announced while it was quiet. Without this, a partition's idle flag
    // from before a stop (or before a burst) let this watermark close the windows its unread
    // records belong to, and they were counted as late instead of added.
    for (const other of await partitionsBehind(await this.admin(), this.settings.groupId, this.settings.inputTopic)) {
      if (other !== batch.partition) outputs.push(...this.watermarkMessages(other, -1, false));
    }
    outputs.push(...this.watermarkMessages(batch.partition, result.watermark, false));
    const outcomes = new Map<AggregateOutcome, number>([
      ['aggregated', records.length - result.lateRecords],
      ['late', result.lateRecords],
      ['dead_lettered', deadLettered],
    ]);
    // The watermark moves only with the committed offset: a batch whose transaction aborted comes
    // again and must be judged against the watermark from before it, or its early records would
    // count as late.
    const onCommitted = (): void => {
      progress.watermark = result.watermark;
      progress.idleAnnouncedAt = undefined;
      if (result.lateRecords > 0) this.onLate(result.lateRecords);
    };
    return { outputs, outcomes, offsetMetadata: JSON.stringify({ watermark: result.watermark }), onCommitted };
  }

  /**
   * Announces a partition that is caught up and has been quiet for the idle timeout, so that it
   * stops holding windows open; again every idle timeout while it stays so, because another
   * instance may have marked it active meanwhile (it saw unread records that are now read).
   * Caught up is checked against the partition's end offset at each announcement.
   */
  async tick(partition: number): Promise<TickResult> {
    const progress = this.progressOf(partition);
    const now = Date.now();
    const { idleTimeoutMs } = this.settings;
    if (now - progress.lastActivity < idleTimeoutMs || (progress.idleAnnouncedAt !== undefined && now - progress.idleAnnouncedAt < idleTimeoutMs)) return { outputs: [] };
    if (!(await this.isCaughtUp(partition))) return { outputs: [] };
    // Marked only once the announcement is committed: a failed one is sent again at the next tick.
    return { outputs: this.watermarkMessages(partition, progress.watermark, true), onCommitted: () => void (progress.idleAnnouncedAt = now) };
  }

  private watermarkMessages(partition: number, eventTime: number, idle: boolean): AnyOutput[] {
    const watermark: SourceWatermark = { source_partition: partition, source_partitions: this.settings.inputPartitions, event_time: eventTime, idle };
    const value = this.encode({ rule: null, summary: null, watermark });
    return Array.from({ length: this.settings.partialsPartitions }, (_, q) => ({ topic: this.settings.partialsTopic, key: `watermark|${partition}`, value, partition: q }));
  }

  private progressOf(partition: number): PartitionProgress {
    let progress = this.progress.get(partition);
    if (progress === undefined) {
      const watermark = this.committedWatermarks.get(partition) ?? -1;
      this.progress.set(partition, (progress = { watermark, lastActivity: Date.now(), idleAnnouncedAt: undefined }));
    }
    return progress;
  }

  private async isCaughtUp(partition: number): Promise<boolean> {
    return !(await partitionsBehind(await this.admin(), this.settings.groupId, this.settings.inputTopic)).has(partition);
  }

  private decode(m: KafkaMessage, batch: PipelineBatch, outputs: AnyOutput[]): EnrichedRecord | undefined {
    try {
      if (m.value === null) throw new Error('the record has no value (a tombstone)');
      return this.codec.decode<EnrichedRecord>(m.value, ENRICHED_RECORD_SCHEMA).value;
    } catch (err) {
      const code = isLogpipeError(err) ? err.code : 'CODEC_INVALID_BODY';
      outputs.push(
        deadLetterMessage(this.settings.dlqTopic, m, { topic: batch.topic, partition: batch.partition, offset: m.offset }, { stage: 'analyzer', code, reason: (err as Error).message }, this.settings.instanceId),
      );
      return undefined;
    }
  }

  private encode(partial: AnalyzerPartial): Buffer {
    return this.codec.encode(ANALYZER_PARTIAL_SCHEMA, partial);
  }
}

function watermarkFromMetadata(metadata: string | null): number {
  if (!metadata) return -1;
  try {
    const value = Number((JSON.parse(metadata) as { watermark?: unknown }).watermark);
    return Number.isFinite(value) ? value : -1;
  } catch {
    return -1;
  }
}
