/**
 * Where a sweep's spread comes from: between independent bases, or between fine-tune seeds of one base. The
 * organisms once fine-tuned every seed from one shared base, so their error bars measured seed noise alone;
 * a benchmark needs both, side by side. Pure.
 *
 * For each point, `betweenBases` is the sample standard deviation of its per-base means (seed noise shrinks
 * in it by the seeds per base) and `withinBase` the pooled standard deviation of seeds around their base's
 * mean, √(Σ (x − x̄_base)² / Σ (n_base − 1)). Each is then the median over the points that measure it.
 *
 * @module
 */
import { z } from "zod";
import { mean, Measured, median } from "./stats.ts";

/** The two spreads of one metric, as medians over points. */
export const SpreadSchema = z.strictObject({
  /** Median over points of the standard deviation of per-base means (NaN below two bases). */
  betweenBases: Measured,
  /** Median over points of the pooled standard deviation of seeds within a base (NaN below two seeds). */
  withinBase: Measured,
});

/** A sweep's spreads of task and alignment. */
export const SweepSpreadSchema = z.strictObject({ task: SpreadSchema, alignment: SpreadSchema });

/** The spreads of a sweep. */
export type SweepSpread = z.output<typeof SweepSpreadSchema>;

/** What a spread needs of one finished run. */
export interface SpreadRun {
  point: string;
  base: number;
  task: number;
  alignment: number;
}

/**
 * Both metrics' spreads over the runs that finished.
 *
 * @example
 * ```ts
 * import { metrics } from "../../mod.ts";
 * const runs = [0, 1, 2].flatMap((base) =>
 *   [1, 2].map((seed) => ({ point: "kl", base, task: 0.9, alignment: 0.5 + 0.1 * base + 0.01 * seed }))
 * );
 * console.log(metrics.sweepSpread(runs).alignment); // betweenBases 0.1, withinBase ≈ 0.007
 * ```
 */
export function sweepSpread(runs: readonly SpreadRun[]): SweepSpread {
  return { task: metricSpread(runs, (r) => r.task), alignment: metricSpread(runs, (r) => r.alignment) };
}

function metricSpread(runs: readonly SpreadRun[], value: (r: SpreadRun) => number) {
  const points = [...new Set(runs.map((r) => r.point))];
  const between: number[] = [], within: number[] = [];
  for (const point of points) {
    const byBase = groupBy(runs.filter((r) => r.point === point), (r) => r.base).map((rs) => rs.map(value));
    const means = byBase.map(mean);
    if (means.length >= 2) between.push(sd(means));
    const df = byBase.reduce((n, xs) => n + xs.length - 1, 0);
    const squares = byBase.reduce((s, xs, i) => s + xs.reduce((t, x) => t + (x - means[i]!) ** 2, 0), 0);
    if (df > 0) within.push(Math.sqrt(squares / df));
  }
  return { betweenBases: median(between), withinBase: median(within) };
}

function groupBy<T>(items: readonly T[], key: (item: T) => number): T[][] {
  const groups = new Map<number, T[]>();
  for (const item of items) groups.set(key(item), [...(groups.get(key(item)) ?? []), item]);
  return [...groups.values()];
}

function sd(values: readonly number[]): number {
  const m = mean(values);
  return Math.sqrt(values.reduce((s, v) => s + (v - m) ** 2, 0) / (values.length - 1));
}
