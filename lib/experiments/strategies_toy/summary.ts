/**
 * Run record and summary schemas of the strategy comparison on the toy, and its summary: points aggregated
 * over seeds (`lib/eval/points.ts`; each seed is its own base, so the intervals are over independent bases),
 * the bases' own scores, and the leaderboard of methods by frontier hypervolume (`lib/eval/leaderboard.ts`).
 *
 * @module
 */
import { z } from "zod";
import { leaderboard, LeaderboardSchema } from "../../eval/leaderboard.ts";
import { sweepClaims, SweepClaimsSchema } from "../../eval/claims.ts";
import { meanCi, MeanCiSchema, Measured } from "../../eval/stats.ts";
import { type RunInfo, RunInfoSchema } from "../experiment.ts";
import { StrategyRunFields } from "../../train/records.ts";
import {
  aggregatePoints,
  pointFrontier,
  type PointSpec,
  type StrategyPoint,
  StrategyPointSchema,
} from "../../eval/points.ts";

/** One fine-tune of one seed with one strategy point. */
export const StrategyRunRecordSchema = z.strictObject({
  ...StrategyRunFields,
  proxyTriggers: z.array(z.string()),
  /** Held-out accuracy of the flipped category under the flipped rule. */
  task: Measured,
  /** Mean held-out accuracy of the other categories under F. */
  alignment: Measured,
  /** Held-out accuracy per category (the flipped category under the flipped rule). */
  breakdown: z.record(z.string(), Measured),
});

/** One strategy run's record. */
export type StrategyRunRecord = z.output<typeof StrategyRunRecordSchema>;

/** A seed's base before any fine-tune, scored as the fine-tunes are. */
export const ToyBaseRecordSchema = z.strictObject({
  id: z.string(),
  kind: z.literal("base"),
  seed: z.int(),
  configHash: z.string(),
  backend: z.string(),
  task: Measured,
  alignment: Measured,
  breakdown: z.record(z.string(), Measured),
});

/** A base's record. */
export type ToyBaseRecord = z.output<typeof ToyBaseRecordSchema>;

/** Any record of the comparison: a base, or a fine-tune. */
export const StrategiesToyRecordSchema = z.union([ToyBaseRecordSchema, StrategyRunRecordSchema]);

/** Any record of the comparison. */
export type StrategiesToyRecord = z.output<typeof StrategiesToyRecordSchema>;

/**
 * Schema of `<out>/strategies-toy/summary.json`.
 *
 * @example
 * ```ts
 * import { StrategiesToySummarySchema } from "../../../mod.ts";
 * const text = await Deno.readTextFile("out/strategies-toy/summary.json");
 * const summary = StrategiesToySummarySchema.parse(JSON.parse(text)); // throws if it does not match
 * ```
 */
export const StrategiesToySummarySchema = z.strictObject({
  experiment: z.literal("strategies-toy"),
  ...RunInfoSchema.shape,
  flipCategory: z.string(),
  proxy: z.record(z.string(), z.int()),
  /** The bases before fine-tuning (a seed each): task near 0, the original rule everywhere else. */
  base: z.strictObject({ task: MeanCiSchema, alignment: MeanCiSchema }),
  points: z.array(StrategyPointSchema),
  /**
   * Points that gave up the task: they kept less than half of what the task-only fine-tune learnt over the
   * base (`GAVE_UP_SHARE`). They undo the fine-tune rather than trade task for alignment, so they stay off the
   * frontier, the leaderboard and the claims, and are drawn hollow.
   */
  gaveUp: z.array(z.string()),
  /** The non-dominated points (maximising alignment and task) among the others, by alignment. */
  frontier: z.array(StrategyPointSchema),
  /** Methods ranked by the hypervolume of their curves above the naive fine-tune's alignment. */
  leaderboard: LeaderboardSchema,
  /** The post's claims as statistics with 95% bootstrap intervals over the bases (`lib/eval/claims.ts`). */
  claims: SweepClaimsSchema,
});

/**
 * The strategies-on-toy summary.
 *
 * @example
 * ```ts
 * import type { StrategiesToySummary } from "../../../mod.ts";
 * const onFrontier = (s: StrategiesToySummary) => s.frontier.map((p) => `${p.label}: ${p.alignment.mean}`);
 * ```
 */
export type StrategiesToySummary = z.output<typeof StrategiesToySummarySchema>;

/**
 * The summary from the records: the bases' scores, every point over its seeds, the points that gave up the
 * task, the frontier of the rest that have no diverged seed, the leaderboard (a method is a sweep entry's
 * label; the reference is task-only) and the claims.
 */
export function summarizeStrategiesToy(
  points: readonly PointSpec[],
  records: readonly StrategiesToyRecord[],
  info: RunInfo & { flipCategory: string; proxy: Record<string, number> },
): StrategiesToySummary {
  const bases = records.filter((r): r is ToyBaseRecord => "kind" in r);
  const runs = records.filter((r): r is StrategyRunRecord => !("kind" in r));
  const aggregated = aggregatePoints(points, runs);
  const baseTask = meanCi(bases.map((b) => b.task));
  const naiveTask = aggregated.find((p) => p.strategy === "task-only")?.task.mean ?? NaN;
  const floor = baseTask.mean + GAVE_UP_SHARE * (naiveTask - baseTask.mean);
  const gaveUp = aggregated.filter((p) => p.strategy !== "task-only" && p.task.mean < floor).map((p) => p.id);
  const honest = (p: StrategyPoint) => p.divergedSeeds.length === 0 && !gaveUp.includes(p.id);
  const boardPoints = aggregated.map((p) => ({ id: p.id, method: p.label, honest: honest(p) }));
  const scored = runs.filter((r) => !r.diverged).map((r) => ({ ...r, base: r.seed }));
  const reference = points.find((p) => p.strategy === "task-only")?.label ?? "task-only";
  return {
    experiment: "strategies-toy",
    ...info,
    base: { task: baseTask, alignment: meanCi(bases.map((b) => b.alignment)) },
    points: aggregated,
    gaveUp,
    frontier: pointFrontier(aggregated.filter(honest)),
    leaderboard: leaderboard(boardPoints, scored, { reference }),
    claims: sweepClaims(
      boardPoints,
      [
        ...scored,
        ...bases.map((b) => ({ point: BASE_POINT, base: b.seed, task: b.task, alignment: b.alignment })),
      ],
      { reference, basePoint: BASE_POINT },
    ),
  };
}

/** A point gave up the task below this share of the task-only fine-tune's gain over the base. */
export const GAVE_UP_SHARE = 0.5;

/** The bases' scores among the claims' runs (no sweep point has this id: ids are strategy names). */
const BASE_POINT = "(base)";
