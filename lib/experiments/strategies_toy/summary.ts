/**
 * Run record and summary schemas of the strategy comparison on the toy (points are aggregated by
 * `lib/eval/points.ts`).
 *
 * @module
 */
import { z } from "zod";
import { Measured } from "../../eval/stats.ts";
import { RunInfoSchema } from "../experiment.ts";
import { StrategyRunFields } from "../../train/records.ts";
import { StrategyPointSchema } from "../../eval/points.ts";

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
  points: z.array(StrategyPointSchema),
  /** The non-dominated points (maximising alignment and task), by alignment. */
  frontier: z.array(StrategyPointSchema),
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
