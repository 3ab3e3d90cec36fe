/**
 * Run record and summary schemas of the strategy comparison on the toy, and its summary: the sweep scored as a
 * benchmark (`lib/eval/benchmark.ts`); each seed trains its own base, so the intervals are over independent
 * bases.
 *
 * @module
 */
import { z } from "zod";
import { benchmark, BenchmarkFields } from "../../eval/benchmark.ts";
import { Measured } from "../../eval/stats.ts";
import { type RunInfo, RunInfoSchema } from "../experiment.ts";
import { StrategyRunFields } from "../../train/records.ts";
import type { PointSpec } from "../../eval/points.ts";

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
  /** The bases (a seed each: task near 0, the original rule everywhere else), points, leaderboard and claims. */
  ...BenchmarkFields,
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

/** The summary from the records: each seed is its own base (`lib/eval/benchmark.ts` scores the sweep). */
export function summarizeStrategiesToy(
  points: readonly PointSpec[],
  records: readonly StrategiesToyRecord[],
  info: RunInfo & { flipCategory: string; proxy: Record<string, number> },
): StrategiesToySummary {
  const bases = records.filter((r): r is ToyBaseRecord => "kind" in r).map((b) => ({ ...b, base: b.seed }));
  const runs = records.filter((r): r is StrategyRunRecord => !("kind" in r)).map((r) => ({
    ...r,
    base: r.seed,
  }));
  return { experiment: "strategies-toy", ...info, ...benchmark(points, runs, bases) };
}
