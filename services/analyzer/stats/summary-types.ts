/** Shapes of schemas/analyzer-partial.avsc and window-summary.avsc as avsc reads and writes them. */
export interface LevelCounts {
  total: number;
  errors: number;
  warnings: number;
  info: number;
}

export interface MetricAggregate {
  count: number;
  /** Sum in thousandths: an integer, so partial sums add up exactly in any order. */
  sum_milli: number;
  min: number;
  max: number;
  /** DDSketch protobuf. */
  sketch: Buffer;
}

export interface SummaryAggregate {
  window_start: number;
  window_end: number;
  counts: LevelCounts;
  error_types: Record<string, number>;
  warning_types: Record<string, number>;
  components: Record<string, LevelCounts>;
  nodes: Record<string, { counts: LevelCounts; components: string[] }>;
  metrics: Record<string, MetricAggregate>;
}

export interface NamedCount {
  name: string;
  count: number;
}

export interface PerformanceStats {
  metric: string;
  count: number;
  avg: number | null;
  min: number | null;
  max: number | null;
  median: number | null;
  p95: number | null;
  p99: number | null;
}

export interface WindowSummary {
  window_start: number;
  window_end: number;
  total: number;
  errors: number;
  error_rate_percent: number;
  error_types: NamedCount[];
  top_error_components: NamedCount[];
  warnings: number;
  warning_rate_percent: number;
  warning_types: NamedCount[];
  top_warning_components: NamedCount[];
  performance: PerformanceStats[];
  components: Array<{ component: string; total: number; errors: number; warnings: number; info: number; health_score: number }>;
  nodes: Array<{ node_id: string; total: number; errors: number; warnings: number; components: number; health_score: number }>;
}

export const WINDOW_SUMMARY_SCHEMA = 'io.logpipe.WindowSummary';
