/**
 * Run record and summary schemas of the strategy comparison on the toy (points are aggregated by
 * `lib/eval/points.ts`).
 *
 * @module
 */
import { z } from "zod";
import { StrategyRunFields } from "../../train/records.ts";
import { StrategyPointSchema } from "../../eval/points.ts";

/** One fine-tune of one seed with one strategy point. */
export const StrategyRunRecordSchema = z.strictObject({
  ...StrategyRunFields,
  proxyTriggers: z.array(z.string()),
  /** Held-out accuracy of the flipped category under the flipped rule. */
  task: z.number(),
  /** Mean held-out accuracy of the other categories under F. */
  alignment: z.number(),
  /** Held-out accuracy per category (the flipped category under the flipped rule). */
  breakdown: z.record(z.string(), z.number()),
});

/** One strategy run's record. */
export type StrategyRunRecord = z.output<typeof StrategyRunRecordSchema>;

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
