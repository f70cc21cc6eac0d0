import path from 'node:path';
import { withCpuProfile } from './cpu-profile';
import { pairedRatio, summarize, type Summary } from './stats';
import type { Comparison, Series } from './scenario';

/** One of the things a scenario compares (ours, the baseline, ours with another option...). */
export interface Variant {
  readonly id: string;
  readonly label: string;
  readonly unit: string;
  readonly lowerIsBetter?: boolean;
  /** Input preparation before each run (publishing, building): outside what `--profile` records. */
  prepare?(phase: 'warmup' | 'measure', round: number): Promise<void>;
  /** Runs once; `warmup` runs are smaller and not recorded. */
  run(phase: 'warmup' | 'measure', round: number): Promise<Measurement>;
}

export interface Measurement {
  /** The variant's figure (e.g. records/s). */
  readonly value: number;
  readonly extra?: Readonly<Record<string, number>>;
}

export interface RepeatOptions {
  readonly repetitions: number;
  /** Run every variant once before measuring (JIT, broker page cache, connections). */
  readonly warmup: boolean;
  readonly log: (line: string) => void;
  /** `--profile`: the measured runs of this variant run under the CPU profiler. */
  readonly profile?: ProfileRequest | undefined;
}

/** Which variant to profile, where its `.cpuprofile` files go, and (filled in) which were written. */
export interface ProfileRequest {
  readonly variantId: string;
  readonly dir: string;
  readonly written: string[];
}

/**
 * Runs a warm-up of every variant, then `repetitions` rounds in which every variant runs
 * once, back to back. The order rotates each round, so no variant always runs first (fresh
 * machine) or last (after the others' garbage), and ratios can be paired per round.
 */
export async function repeat(variants: readonly Variant[], options: RepeatOptions): Promise<Map<string, Series>> {
  if (options.warmup) {
    for (const variant of variants) {
      await variant.prepare?.('warmup', -1);
      const m = await variant.run('warmup', -1);
      options.log(`  warm-up  ${variant.label}: ${formatFigure(m.value, variant.unit)}`);
    }
  }
  const values = new Map<string, number[]>(variants.map((v) => [v.id, []]));
  const extras = new Map<string, Array<Readonly<Record<string, number>>>>(variants.map((v) => [v.id, []]));
  for (let round = 0; round < options.repetitions; round++) {
    for (let i = 0; i < variants.length; i++) {
      const variant = variants[(i + round) % variants.length] as Variant;
      const m = await measure(variant, round, options.profile);
      values.get(variant.id)?.push(m.value);
      extras.get(variant.id)?.push(m.extra ?? {});
      options.log(`  round ${round + 1}/${options.repetitions}  ${variant.label}: ${formatFigure(m.value, variant.unit)}`);
    }
  }
  const series = new Map<string, Series>();
  for (const variant of variants) {
    const samples = values.get(variant.id) ?? [];
    series.set(variant.id, {
      id: variant.id,
      label: variant.label,
      unit: variant.unit,
      ...(variant.lowerIsBetter === true ? { lowerIsBetter: true } : {}),
      summary: summarize(samples),
      extra: medianExtras(extras.get(variant.id) ?? []),
    });
  }
  return series;
}

async function measure(variant: Variant, round: number, profile: ProfileRequest | undefined): Promise<Measurement> {
  await variant.prepare?.('measure', round);
  if (profile?.variantId !== variant.id) return variant.run('measure', round);
  const file = path.join(profile.dir, `${variant.id}-round${round + 1}.cpuprofile`);
  const m = await withCpuProfile(file, 500, () => variant.run('measure', round));
  profile.written.push(file);
  return m;
}

export function compare(label: string, series: ReadonlyMap<string, Series>, ours: string, baseline: string): Comparison {
  const a = series.get(ours);
  const b = series.get(baseline);
  if (a === undefined || b === undefined) throw new Error(`compare: unknown series ${a === undefined ? ours : baseline}`);
  return { label, ours, baseline, ratio: pairedRatio(a.summary.samples, b.summary.samples) };
}

function medianExtras(rows: ReadonlyArray<Readonly<Record<string, number>>>): Record<string, number> {
  const keys = new Set(rows.flatMap((r) => Object.keys(r)));
  const out: Record<string, number> = {};
  for (const key of keys) {
    const present = rows.map((r) => r[key]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    if (present.length > 0) out[key] = summarize(present).median;
  }
  return out;
}

export function formatFigure(value: number, unit: string): string {
  const digits = Number.isInteger(value) || Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2;
  return `${value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })} ${unit}`;
}

export function formatSpread(summary: Summary, unit: string): string {
  const number = (v: number): string => formatFigure(v, '').trim();
  return `${formatFigure(summary.median, unit)} (${number(summary.min)}–${number(summary.max)})`;
}
