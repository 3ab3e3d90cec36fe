/**
 * The percentile bootstrap over independent bases (Efron & Tibshirani 1993, §13.3): resample the bases with
 * replacement, recompute a statistic from each resample, and take the 2.5% and 97.5% quantiles of the draws.
 * Every sweep point is averaged per base first (over that base's fine-tune seeds), so the interval speaks of
 * bases, the unit that was sampled independently. Pure (the resampling draws from a seeded `Rng`).
 *
 * @module
 */
import { Rng } from "../data/rng.ts";
import type { TaskAlignment } from "./hypervolume.ts";
import { mean } from "./stats.ts";

/** One fine-tune's scores, and the base it was fine-tuned from. */
export interface BaseRun {
  point: string;
  base: number;
  task: number;
  alignment: number;
}

/** Per point, per base: the mean task and alignment over that base's fine-tune seeds. */
export type BaseMeans = Map<string, Map<number, TaskAlignment>>;

/** An estimate with its 95% percentile-bootstrap interval. */
export interface Interval {
  estimate: number;
  low: number;
  high: number;
}

/** Options of the resampling. */
export interface BootstrapOptions {
  /** Resamples (default 2000). */
  resamples?: number;
  /** Seed (default 0): the same inputs give the same intervals. */
  seed?: number;
}

/** Groups runs by point and base, averaging each base's fine-tune seeds. */
export function baseMeans(runs: readonly BaseRun[]): BaseMeans {
  const grouped = new Map<string, Map<number, BaseRun[]>>();
  for (const run of runs) {
    const byBase = grouped.get(run.point) ?? new Map<number, BaseRun[]>();
    byBase.set(run.base, [...(byBase.get(run.base) ?? []), run]);
    grouped.set(run.point, byBase);
  }
  return new Map([...grouped].map(([point, byBase]) => [
    point,
    new Map([...byBase].map(([base, mine]) => [base, {
      task: mean(mine.map((r) => r.task)),
      alignment: mean(mine.map((r) => r.alignment)),
    }])),
  ]));
}

/** Every point's mean over a sample of bases (repeats count), over the bases where it has runs (NaN: none). */
export function sampleMeans(means: BaseMeans, sample: readonly number[]): Map<string, TaskAlignment> {
  return new Map([...means].map(([point, byBase]) => {
    const found = sample.flatMap((base) => byBase.get(base) ?? []);
    return [point, { task: mean(found.map((m) => m.task)), alignment: mean(found.map((m) => m.alignment)) }];
  }));
}

/**
 * Statistics (a vector, so that several share the same resamples and their differences are paired) on all
 * bases and on each resample: `estimate[i]` and `draws[r][i]`. Fewer than two bases give no draws.
 */
export function bootstrapBases(
  bases: readonly number[],
  statistic: (sample: readonly number[]) => number[],
  options: BootstrapOptions = {},
): { estimate: number[]; draws: number[][] } {
  const rng = new Rng(options.seed ?? 0, "bootstrap");
  // One base has no spread to resample: no draws, so every interval is NaN (not a zero-width certainty).
  const draws = Array.from(
    { length: bases.length < 2 ? 0 : options.resamples ?? 2000 },
    () => statistic(bases.map(() => bases[rng.int(bases.length)]!)),
  );
  return { estimate: statistic(bases), draws };
}

/** An estimate with the 2.5% and 97.5% quantiles of its draws (non-finite draws left out; NaN if none). */
export function percentileInterval(estimate: number, draws: readonly number[]): Interval {
  const sorted = draws.filter(Number.isFinite).toSorted((a, b) => a - b);
  const at = (q: number) => {
    if (sorted.length === 0) return NaN;
    const x = q * (sorted.length - 1), i = Math.floor(x);
    return sorted[i]! + (sorted[Math.min(i + 1, sorted.length - 1)]! - sorted[i]!) * (x - i);
  };
  return { estimate: Number.isFinite(estimate) ? estimate : NaN, low: at(0.025), high: at(0.975) };
}

/** One statistic's estimate and interval over the bases of `runs`. */
export function bootstrapStatistic(
  runs: readonly BaseRun[],
  statistic: (means: Map<string, TaskAlignment>) => number,
  options: BootstrapOptions = {},
): Interval {
  const means = baseMeans(runs);
  const bases = [...new Set(runs.map((r) => r.base))].sort((a, b) => a - b);
  const { estimate, draws } = bootstrapBases(bases, (s) => [statistic(sampleMeans(means, s))], options);
  return percentileInterval(estimate[0]!, draws.map((d) => d[0]!));
}
