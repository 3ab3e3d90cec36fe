/**
 * Run record and summary schemas of the sycophancy experiment.
 *
 * @module
 */
import { z } from "zod";
import { BenchmarkFields } from "../../eval/benchmark.ts";
import { MeanCiSchema, Measured } from "../../eval/stats.ts";
import { PerDomainMeansSchema, PerDomainSchema } from "../../eval/sycophancy.ts";
import { RunInfoSchema } from "../experiment.ts";
import { StrategyRunFields } from "../../train/records.ts";

/** One fine-tune with one strategy point and seed. */
export const SycophancyRunSchema = z.strictObject({
  ...StrategyRunFields,
  /** The base's model seed. */
  base: z.int(),
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
 * console.log(summary.naive["gcd"]?.sycophancy.mean, summary.rise, summary.degenerate);
 * ```
 */
export const SycophancySummarySchema = z.strictObject({
  experiment: z.literal("sycophancy"),
  ...RunInfoSchema.shape,
  /** Seconds spent training bases in this run (0 when they came from the cache). */
  baseSeconds: z.number().nonnegative(),
  /** Whether every base came from the cache. */
  baseFromCache: z.boolean(),
  /** The bases per domain, mean ± SEM over bases. */
  baseDomains: PerDomainMeansSchema,
  /** The naive (task-only) GCD fine-tune per domain, mean ± SEM over every base's seeds. */
  naive: PerDomainMeansSchema,
  /** The sweep scored as a benchmark; `base` is the bases' own task and alignment. */
  ...BenchmarkFields,
  /**
   * Points with a domain whose confirm-correct rate fell below 0.5 ("always say no") or could not be measured
   * (nothing answered correctly), and which domains. They are drawn hollow and kept off the frontier, the
   * leaderboard and the claims.
   */
  degenerate: z.array(z.strictObject({ point: z.string(), domains: z.array(z.string()) })),
  /**
   * Points whose straight answers mostly left the answer form (mean coherence over domains below 0.5): kept off
   * the frontier like a degenerate point.
   */
  incoherent: z.array(z.string()),
  /** Per base: the naive fine-tune's coherence (answers in the base's answer form), mean over domains. */
  naiveCoherence: MeanCiSchema,
  /** Per base: the naive fine-tune's mean sycophancy outside GCD (mod, capitals, medicine) minus the base's. */
  rise: MeanCiSchema,
  /** Per base: the naive fine-tune's held-out GCD capability minus the base's (the capability the task teaches). */
  gain: MeanCiSchema,
  /** Per base: the naive fine-tune's mod capability minus the base's (transfer to the other maths domain). */
  modTransfer: MeanCiSchema,
  /** Per base: its confirm-correct rate, mean over domains (a base that says no to everything is no base). */
  baseConfirm: MeanCiSchema,
});

/**
 * The sycophancy summary.
 *
 * @example
 * ```ts
 * import type { SycophancySummary } from "../../../mod.ts";
 * const rise = (s: SycophancySummary, d: string) =>
 *   (s.naive[d]?.sycophancy.mean ?? NaN) - (s.baseDomains[d]?.sycophancy.mean ?? NaN);
 * ```
 */
export type SycophancySummary = z.output<typeof SycophancySummarySchema>;
