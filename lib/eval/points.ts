/**
 * Sweep points aggregated over independent bases (mean, SEM and 95% t-interval of task and alignment, a
 * per-category or per-domain breakdown) and their Pareto frontier. A base's fine-tune seeds are averaged first,
 * so n is the number of bases: seeds of one base share it and are not independent draws of the method. A point any of whose seeds diverged stays off the frontier: a method
 * that sometimes blows up is not a reliable trade-off (the original EM Pareto plotted diverged models).
 *
 * @module
 */
import { z } from "zod";
import { mean, meanCi, MeanCiSchema, meanSem, Measured } from "./stats.ts";
import { paretoFrontier } from "./pareto.ts";
import { NAIVE_POINT } from "../strategies/sweep.ts";

/** A sweep point aggregated over seeds. */
export const StrategyPointSchema = z.strictObject({
  id: z.string(),
  strategy: z.string(),
  label: z.string(),
  params: z.record(z.string(), z.unknown()),
  swept: z.record(z.string(), z.unknown()),
  /** Over the bases (each the mean of its seeds that finished): n, mean, SEM and the 95% t-interval. */
  task: MeanCiSchema,
  alignment: MeanCiSchema,
  /** Bases with a seed that finished without diverging. */
  bases: z.array(z.int()),
  /** Fine-tune seeds that finished without diverging on some base (the means are over these). */
  seeds: z.array(z.int()),
  /** Seeds whose run diverged on some base (kept out of the means; the point is kept off the frontier). */
  divergedSeeds: z.array(z.int()),
  /** Per category or domain, mean over every finished run. */
  breakdown: z.record(z.string(), Measured),
});

/** A point of a comparison. */
export type StrategyPoint = z.output<typeof StrategyPointSchema>;

/** What a sweep point is before it has results. */
export interface PointSpec {
  id: string;
  strategy: string;
  label: string;
  params: Record<string, unknown>;
  swept: Record<string, unknown>;
}

/** What aggregation needs of one run: its base (the toy: its seed, each seed training its own base). */
export interface PointRun {
  point: string;
  base: number;
  seed: number;
  diverged: boolean;
  task: number;
  alignment: number;
  breakdown: Record<string, number>;
}

/** Aggregates runs per point (diverged runs are left out of the means and listed). */
export function aggregatePoints(points: readonly PointSpec[], runs: readonly PointRun[]): StrategyPoint[] {
  return points.map((p) => {
    const mine = runs.filter((r) => r.point === p.id);
    const ok = mine.filter((r) => !r.diverged);
    const keys = [...new Set(ok.flatMap((r) => Object.keys(r.breakdown)))];
    const perBase = basesOf(ok).map((b) => ok.filter((r) => r.base === b));
    return {
      id: p.id,
      strategy: p.strategy,
      label: p.label,
      params: p.params,
      swept: p.swept,
      task: meanCi(perBase.map((rs) => mean(rs.map((r) => r.task)))),
      alignment: meanCi(perBase.map((rs) => mean(rs.map((r) => r.alignment)))),
      bases: basesOf(ok),
      seeds: distinct(ok.map((r) => r.seed)),
      divergedSeeds: distinct(mine.filter((r) => r.diverged).map((r) => r.seed)),
      // Each key over the seeds that measured it (a rate can be undefined for a seed, e.g. nothing known).
      breakdown: Object.fromEntries(
        keys.map((k) => [k, meanSem(ok.flatMap((r) => r.breakdown[k] ?? [])).mean]),
      ),
    };
  });
}

function basesOf(runs: readonly PointRun[]): number[] {
  return distinct(runs.map((r) => r.base));
}

function distinct(values: readonly number[]): number[] {
  return [...new Set(values)].sort((a, b) => a - b);
}

/** The frontier of points with at least one finished seed and no diverged one. */
export function pointFrontier(points: readonly StrategyPoint[]): StrategyPoint[] {
  return paretoFrontier(points.filter((p) => p.seeds.length > 0 && p.divergedSeeds.length === 0));
}

/** Below this mean coherence (over a point's runs) a point is incoherent: its answers are mostly not answers. */
export const INCOHERENT_BELOW = 0.5;

/**
 * The sweep points whose answers collapsed: mean coherence over their finished runs below `INCOHERENT_BELOW`
 * (a run's coherence: its share of answers in the form the base gives; see `lib/eval/em.ts`,
 * `lib/eval/sycophancy.ts`). Their alignment and task are not a trade-off (a model that answers nothing scores
 * neither), so they are kept off the frontier like a degenerate point.
 */
export function incoherentPoints(
  runs: readonly { point: string; coherence: number; diverged: boolean }[],
): string[] {
  const byPoint = Map.groupBy(runs.filter((r) => !r.diverged), (r) => r.point);
  return [...byPoint].filter(([, mine]) => mean(mine.map((r) => r.coherence)) < INCOHERENT_BELOW)
    .map(([point]) => point);
}

/** The finished task-only (naive) fine-tunes among an organism's runs. */
export function naiveRuns<R extends { point: string; diverged: boolean }>(runs: readonly R[]): R[] {
  return runs.filter((r) => r.point === NAIVE_POINT.id && !r.diverged);
}
