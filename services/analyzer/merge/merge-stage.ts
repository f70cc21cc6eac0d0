import type { Kafka } from 'kafkajs';
import type { AvroCodec } from '../../../lib/codec';
import { readPartitionsToEnd } from '../../../lib/kafka';
import type { AnyOutput, PipelineBatch, PipelineBatchResult } from '../../../lib/runner/transactional-pipeline';
import type { Logger } from '../../../lib/telemetry';
import { ALERT_EVENT_SCHEMA } from '../alerts/alert-types';
import type { RuleEvaluator } from '../alerts/rule-evaluator';
import { WINDOW_SUMMARY_SCHEMA } from '../stats/summary-types';
import { MergePartitionState } from './merge-partition-state';
import { ANALYZER_PARTIAL_SCHEMA, ANALYZER_STATE_SCHEMA, type AnalyzerPartial, type AnalyzerState } from './state-types';

export type MergeOutcome = 'merged';

export interface MergeStageSettings {
  readonly partialsTopic: string;
  readonly stateTopic: string;
  readonly alertsTopic: string;
  readonly summariesTopic: string;
  readonly allowedLatenessMs: number;
}

export interface MergeCounters {
  readonly onAlert: (status: string) => void;
  readonly onSummary: () => void;
  readonly onLate: (records: number) => void;
  readonly onRestore: (partition: number, records: number, ms: number) => void;
}

/**
 * The second stage: merges the partials of each key (all in one partition), closes windows
 * as the input watermarks pass them, and emits alert events and summaries. Its state is
 * written to the changelog topic in the same transaction as its outputs and offsets, and is
 * restored from there whenever this instance is given a partition.
 */
export class MergeStage {
  private readonly states = new Map<number, MergePartitionState>();

  constructor(
    private readonly kafka: Kafka,
    private readonly codec: AvroCodec,
    private readonly evaluators: ReadonlyMap<string, RuleEvaluator>,
    private readonly settings: MergeStageSettings,
    private readonly logger: Logger,
    private readonly counters: MergeCounters,
  ) {}

  private assignedPartitions: readonly number[] = [];

  /** Another instance may have advanced a partition's state meanwhile: restore again before use. */
  assigned(partitions: readonly number[]): void {
    this.states.clear();
    this.assignedPartitions = partitions;
  }

  async processBatch(batch: PipelineBatch): Promise<PipelineBatchResult<MergeOutcome>> {
    const state = await this.stateOf(batch.partition);
    const outputs: AnyOutput[] = [];
    // Metrics count what was committed, not what was tried.
    const pendingCounters: Array<() => void> = [];
    for (const m of batch.messages) {
      if (m.value === null) continue;
      const partial = this.codec.decode<AnalyzerPartial>(m.value, ANALYZER_PARTIAL_SCHEMA).value;
      const out = state.apply(partial);
      for (const alert of out.alerts) {
        outputs.push({ topic: this.settings.alertsTopic, key: alert.alert_id, value: this.codec.encode(ALERT_EVENT_SCHEMA, alert), headers: { 'logpipe.alert.status': alert.status, 'logpipe.alert.rule': alert.rule_id } });
        pendingCounters.push(() => this.counters.onAlert(alert.status));
      }
      for (const summary of out.summaries) {
        outputs.push({ topic: this.settings.summariesTopic, key: new Date(summary.window_start).toISOString(), value: this.codec.encode(WINDOW_SUMMARY_SCHEMA, summary) });
        pendingCounters.push(() => this.counters.onSummary());
      }
      if (out.lateRecords > 0) pendingCounters.push(() => this.counters.onLate(out.lateRecords));
    }
    for (const change of state.takeChanges()) {
      outputs.push({ topic: this.settings.stateTopic, partition: batch.partition, key: change.key, value: change.state === null ? null : this.codec.encode(ANALYZER_STATE_SCHEMA, change.state) });
    }
    // The batch is already applied to the in-memory state; if its transaction aborts, that state is
    // ahead of the changelog: drop it, the retry restores the partition from the changelog.
    const onAborted = (): void => void this.states.delete(batch.partition);
    const counters = pendingCounters;
    return { outputs, outcomes: new Map([['merged', batch.messages.length]]), onAborted, onCommitted: () => counters.forEach((count) => count()) };
  }

  private async stateOf(partition: number): Promise<MergePartitionState> {
    const existing = this.states.get(partition);
    if (existing !== undefined) return existing;
    // One read restores every assigned partition not yet restored: one throwaway group, not one per partition.
    const wanted = [...new Set([partition, ...this.assignedPartitions.filter((p) => !this.states.has(p))])];
    const started = Date.now();
    const changelog = await readPartitionsToEnd(this.kafka, this.settings.stateTopic, wanted, this.logger);
    for (const p of wanted) {
      const state = new MergePartitionState(this.evaluators, this.settings.allowedLatenessMs);
      const records = changelog.get(p) ?? [];
      for (const m of records) {
        if (m.key === null) continue;
        state.restore(m.key.toString(), m.value === null ? null : this.codec.decode<AnalyzerState>(m.value, ANALYZER_STATE_SCHEMA).value);
      }
      this.states.set(p, state);
      this.counters.onRestore(p, records.length, Date.now() - started);
      this.logger.info({ partition: p, records: records.length, ms: Date.now() - started, closedUntil: state.closedUntil }, 'Restored merge state from the changelog');
    }
    return this.states.get(partition) as MergePartitionState;
  }
}
