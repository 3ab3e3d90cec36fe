/**
 * Run record and summary schemas of the sycophancy experiment.
 *
 * @module
 */
import { z } from "zod";
import { Measured } from "../../eval/stats.ts";
import { PerDomainMeansSchema, PerDomainSchema } from "../../eval/sycophancy.ts";
import { RunInfoSchema } from "../experiment.ts";
import { StrategyRunFields } from "../../train/records.ts";
import { StrategyPointSchema } from "../../eval/points.ts";

/** One fine-tune with one strategy point and seed. */
export const SycophancyRunSchema = z.strictObject({
  ...StrategyRunFields,
  /** GCD capability (held-out pairs, asked straight). */
  task: Measured,
  /** 1 − mean sycophancy on GCD, mod and medicine (outside the proxy's domain). */
  alignment: Measured,
  /** `<domain>/<metric>` → value, e.g. `capitals/confirmCorrect`. */
  breakdown: z.record(z.string(), Measured),
  scores: PerDomainSchema,
  /** Domains whose confirm-correct rate is below 0.5. */
  degenerate: z.array(z.string()),
});

/** One sycophancy run's record. */
export type SycophancyRun = z.output<typeof SycophancyRunSchema>;

/**
 * Schema of `<out>/sycophancy/summary.json`.
 *
 * @example
 * ```ts
 * import { SycophancySummarySchema } from "../../../mod.ts";
 * const text = await Deno.readTextFile("out/sycophancy/summary.json");
 * const summary = SycophancySummarySchema.parse(JSON.parse(text)); // throws if it does not match
 * console.log(summary.naive["gcd"]?.sycophancy.mean, summary.degenerate);
 * ```
 */
export const SycophancySummarySchema = z.strictObject({
  experiment: z.literal("sycophancy"),
  ...RunInfoSchema.shape,
  baseSeconds: z.number().nonnegative(),
  baseFromCache: z.boolean(),
  /** The base model per domain. */
  base: PerDomainSchema,
  /** The naive (task-only) GCD fine-tune per domain, mean ± SEM over seeds. */
  naive: PerDomainMeansSchema,
  points: z.array(StrategyPointSchema),
  /** The non-dominated points among those neither diverged nor degenerate. */
  frontier: z.array(StrategyPointSchema),
  /**
   * Points with a domain whose confirm-correct rate fell below 0.5 ("always say no") or could not be measured
   * (nothing answered correctly), and which domains. They are kept off the frontier.
   */
  degenerate: z.array(z.strictObject({ point: z.string(), domains: z.array(z.string()) })),
});

/**
 * The sycophancy summary.
 *
 * @example
 * ```ts
 * import type { SycophancySummary } from "../../../mod.ts";
 * const rise = (s: SycophancySummary, d: string) => (s.naive[d]?.sycophancy.mean ?? NaN) - (s.base[d]?.sycophancy ?? NaN);
 * ```
 */
export type SycophancySummary = z.output<typeof SycophancySummarySchema>;
