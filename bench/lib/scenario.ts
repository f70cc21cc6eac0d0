import type { BenchTopics } from './bench-topics';
import type { Environment } from './environment';
import type { ProfileRequest } from './runner';
import type { Summary } from './stats';

/**
 * One benchmark: a file under bench/scenarios/ exporting a Scenario, listed in
 * bench/scenarios/index.ts. It measures our code and, in the same run, a baseline
 * (usually the reference implementation on the same server), and reports ratios.
 */
export interface Scenario {
  /** Short id used by `--scenario` and as the key in bench/results/latest.json. */
  readonly name: string;
  readonly title: string;
  /** What is measured and against what, one paragraph of Markdown. */
  readonly description: string;
  run(context: ScenarioContext): Promise<ScenarioResult>;
}

export interface ScenarioContext {
  /** Smoke mode: tiny counts, just proves every step works. */
  readonly quick: boolean;
  readonly seed: number;
  /** `--repetitions` when given; otherwise the scenario's own default. */
  readonly repetitions: number | undefined;
  readonly brokers: readonly string[];
  /** Creates uniquely named topics; the runner deletes them at the end. */
  readonly topics: BenchTopics;
  /** Progress line on stderr. */
  log(line: string): void;
  /** `--profile VARIANT`: passed on to `repeat`. */
  readonly profile?: ProfileRequest | undefined;
}

/** One measured figure of one variant over the repetitions. Higher is better unless `lowerIsBetter`. */
export interface Series {
  readonly id: string;
  readonly label: string;
  readonly unit: string;
  readonly lowerIsBetter?: boolean;
  readonly summary: Summary;
  /** Secondary figures per variant (e.g. MB/s, bytes on disk per record), as medians. */
  readonly extra: Readonly<Record<string, number>>;
}

/** A row of the results table: our series against a same-run baseline series. */
export interface Comparison {
  readonly label: string;
  readonly ours: string;
  readonly baseline: string;
  /** ours / baseline per round; see pairedRatio. */
  readonly ratio: Summary;
}

export interface ScenarioResult {
  readonly name: string;
  readonly title: string;
  readonly description: string;
  readonly parameters: Readonly<Record<string, string | number | boolean>>;
  readonly series: readonly Series[];
  readonly comparisons: readonly Comparison[];
  /** Series shown in the results table on their own, where no baseline exists (end to end). */
  readonly headline?: readonly string[];
  /** Exact external commands of the baselines, as run. */
  readonly baselineCommands: readonly string[];
  readonly notes: readonly string[];
  readonly seconds: number;
  /**
   * When, how and under what load this scenario ran; bench/run.ts fills it in. Results files
   * keep each scenario's latest result, so scenarios in one file may come from different runs.
   */
  readonly environment?: Environment;
}
