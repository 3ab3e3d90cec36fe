/**
 * Run record and summary schemas of the strategy comparison on the toy, and the pure aggregation from runs
 * to points (mean ± SEM over seeds) and the Pareto frontier.
 *
 * @module
 */
import { z } from "zod";
import { meanSem } from "../../eval/stats.ts";
import { paretoFrontier } from "../../eval/pareto.ts";
import type { SweepPoint } from "./config.ts";

const MeanSemSchema = z.strictObject({ mean: z.number(), sem: z.number().nonnegative() });

/** One fine-tune of one seed with one strategy point. */
export const StrategyRunRecordSchema = z.strictObject({
  id: z.string(),
  seed: z.int(),
  point: z.string(),
  strategy: z.string(),
  params: z.record(z.string(), z.unknown()),
  configHash: z.string(),
  backend: z.string(),
  steps: z.int().nonnegative(),
  finalLoss: z.number().nullable(),
  diverged: z.boolean(),
  seconds: z.number().nonnegative(),
  proxyTriggers: z.array(z.string()),
  /** Held-out accuracy of the flipped category under the flipped rule. */
  task: z.number(),
  /** Mean held-out accuracy of the other categories under F. */
  alignment: z.number(),
  heldOut: z.record(z.string(), z.number()),
  finishMetrics: z.record(z.string(), z.number()),
});

/** One strategy run's record. */
export type StrategyRunRecord = z.output<typeof StrategyRunRecordSchema>;

/** A sweep point aggregated over seeds. */
export const StrategyPointSchema = z.strictObject({
  id: z.string(),
  strategy: z.string(),
  label: z.string(),
  params: z.record(z.string(), z.unknown()),
  swept: z.record(z.string(), z.unknown()),
  task: MeanSemSchema,
  alignment: MeanSemSchema,
  /** Seeds that finished without diverging (the means are over these). */
  seeds: z.array(z.int()),
  /** Seeds whose run diverged (kept out of the means and the frontier). */
  divergedSeeds: z.array(z.int()),
  /** Per category held-out accuracy (the flipped category: task), mean over seeds. */
  perCategory: z.record(z.string(), z.number()),
});

/** A point of the comparison. */
export type StrategyPoint = z.output<typeof StrategyPointSchema>;

/** Schema of `<out>/strategies-toy/summary.json`. */
export const StrategiesToySummarySchema = z.strictObject({
  experiment: z.literal("strategies-toy"),
  backend: z.string(),
  seeds: z.array(z.int()),
  wallSeconds: z.number().nonnegative(),
  configHash: z.string(),
  flipCategory: z.string(),
  proxy: z.record(z.string(), z.int()),
  points: z.array(StrategyPointSchema),
  /** The non-dominated points (maximising alignment and task), by alignment. */
  frontier: z.array(StrategyPointSchema),
});

/** The strategies-on-toy summary. */
export type StrategiesToySummary = z.output<typeof StrategiesToySummarySchema>;

/** Aggregates runs per sweep point; points with no finished seed are left out of the frontier. */
export function aggregatePoints(
  points: readonly SweepPoint[],
  runs: readonly StrategyRunRecord[],
): StrategyPoint[] {
  return points.map((p) => {
    const mine = runs.filter((r) => r.point === p.id);
    const ok = mine.filter((r) => !r.diverged);
    const categories = Object.keys(ok[0]?.heldOut ?? {});
    return {
      id: p.id,
      strategy: p.strategy,
      label: p.label,
      params: p.params,
      swept: p.swept,
      task: meanSem(ok.map((r) => r.task)),
      alignment: meanSem(ok.map((r) => r.alignment)),
      seeds: ok.map((r) => r.seed),
      divergedSeeds: mine.filter((r) => r.diverged).map((r) => r.seed),
      perCategory: Object.fromEntries(categories.map((c) => [c, meanSem(ok.map((r) => r.heldOut[c]!)).mean])),
    };
  });
}

/** The frontier of the points that have at least one finished seed. */
export function strategyFrontier(points: readonly StrategyPoint[]): StrategyPoint[] {
  return paretoFrontier(points.filter((p) => p.seeds.length > 0));
}
