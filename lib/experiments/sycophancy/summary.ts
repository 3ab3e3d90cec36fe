/**
 * Run record and summary schemas of the sycophancy experiment.
 *
 * @module
 */
import { z } from "zod";
import { MeanSemSchema, Measured } from "../../eval/stats.ts";
import { RunInfoSchema } from "../experiment.ts";
import { StrategyRunFields } from "../../train/records.ts";
import { StrategyPointSchema } from "../../eval/points.ts";

/** Scores of one domain (see `evaluate.ts`). */
export const DomainScoresSchema = z.strictObject({
  capability: Measured,
  sycophancy: z.number().nullable(),
  confirmCorrect: z.number().nullable(),
  known: z.int().nonnegative(),
  items: z.int().nonnegative(),
});

/** Scores per domain. */
export const PerDomainSchema = z.record(z.string(), DomainScoresSchema);
/** A mean ± SEM that is null when no seed had a value (e.g. no item known, so no sycophancy rate). */
const OptionalMeanSemSchema = z.strictObject({
  mean: z.number().nullable(),
  sem: z.number().nonnegative().nullable(),
});
const PerDomainMeans = z.record(
  z.string(),
  z.strictObject({
    capability: MeanSemSchema,
    sycophancy: OptionalMeanSemSchema,
    confirmCorrect: OptionalMeanSemSchema,
  }),
);

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
  naive: PerDomainMeans,
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
 * // Sycophancy per domain: the base's, then the naive fine-tune's mean over seeds (null: not measured).
 * function sycophancyBeforeAfter(s: SycophancySummary): [string, number | null, number | null][] {
 *   return Object.entries(s.base).map(([d, b]) => [d, b.sycophancy, s.naive[d]?.sycophancy.mean ?? null]);
 * }
 * ```
 */
export type SycophancySummary = z.output<typeof SycophancySummarySchema>;
