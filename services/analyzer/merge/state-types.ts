import type { RuleState } from '../alerts/alert-types';
import type { RulePartial } from '../aggregate/partial-aggregator';
import type { SummaryAggregate } from '../stats/summary-types';

export const ANALYZER_PARTIAL_SCHEMA = 'io.logpipe.internal.AnalyzerPartial';
export const ANALYZER_STATE_SCHEMA = 'io.logpipe.internal.AnalyzerState';

/** Progress of one input partition (schemas: SourceWatermark). */
export interface SourceWatermark {
  source_partition: number;
  source_partitions: number;
  /** Highest event time seen, UTC ms; -1 before the first record. */
  event_time: number;
  idle: boolean;
}

/** schemas/analyzer-partial.avsc: exactly one of the three is set. */
export interface AnalyzerPartial {
  rule: RulePartial | null;
  summary: SummaryAggregate | null;
  watermark: SourceWatermark | null;
}

export interface MergeWatermarks {
  sources: Record<string, SourceWatermark>;
  closed_until: number;
}

/** schemas/analyzer-state.avsc: one changelog value; exactly one of the three is set. */
export interface AnalyzerState {
  rule: RuleState | null;
  summary: SummaryAggregate | null;
  watermarks: MergeWatermarks | null;
}
