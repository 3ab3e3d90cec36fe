/**
 * Run record and summary schemas of the emergent-misalignment experiment.
 *
 * @module
 */
import { z } from "zod";
import { BenchmarkFields } from "../../eval/benchmark.ts";
import { MeanCiSchema, Measured, MeasuredShare } from "../../eval/stats.ts";
import { RunInfoSchema } from "../experiment.ts";
import { StrategyRunFields } from "../../train/records.ts";
import { EmScoresSchema } from "../../eval/em.ts";

/** One fine-tune of one base with one strategy point and seed. */
export const EmRunSchema = z.strictObject({
  ...StrategyRunFields,
  variant: z.enum(["persona", "control"]),
  /** The base's model seed. */
  base: z.int(),
  task: Measured,
  /** Good-answer probability outside the task's and the proxy's domains. */
  alignment: Measured,
  /** Good-answer probability in the proxy's domains (on questions the proxy does not use). */
  proxyDomains: Measured,
  /** Probability that an answer is an answer (one of the question's domain's answer tokens). */
  coherence: MeasuredShare,
  /** Good-answer probability per non-task domain. */
  breakdown: z.record(z.string(), Measured),
  probes: EmScoresSchema.shape.probes,
});

/** One EM run's record. */
export type EmRun = z.output<typeof EmRunSchema>;

/**
 * Over bases: task (bad-answer probability on held-out medical questions), alignment (good-answer probability
 * outside the task's and the proxy's domains), the proxy's domains' good-answer probability, and coherence.
 */
const Scores = z.strictObject({
  task: MeanCiSchema,
  alignment: MeanCiSchema,
  proxyDomains: MeanCiSchema,
  coherence: MeanCiSchema,
});

/**
 * Schema of `<out>/em/summary.json`.
 *
 * @example
 * ```ts
 * import { EmSummarySchema } from "../../../mod.ts";
 * const summary = EmSummarySchema.parse(JSON.parse(await Deno.readTextFile("out/em/summary.json")));
 * console.log(summary.drop.difference, summary.leaderboard.rows[0]?.method);
 * ```
 */
export const EmSummarySchema = z.strictObject({
  /** `em`, or `em-total` (the same organism with its second shipped config). */
  experiment: z.enum(["em", "em-total"]),
  ...RunInfoSchema.shape,
  /** What the config meant the naive fine-tune to leave (partial alignment or none), which the findings judge. */
  regime: z.enum(["partial", "total"]),
  /** Seconds spent training each variant's bases in this run (0 when they came from the cache). */
  baseSeconds: z.strictObject({ persona: Measured, control: Measured }),
  /** Whether every base of a variant came from the cache. */
  baseFromCache: z.strictObject({ persona: z.boolean(), control: z.boolean() }),
  /** The persona bases' good-answer probability per non-task domain, mean over bases. */
  baseDomains: z.record(z.string(), Measured),
  /** The sweep on the persona bases (`base` = task 0-ish, alignment high), scored as a benchmark. */
  ...BenchmarkFields,
  /** The persona bases' scores over bases (`base` holds the benchmark's two of them). */
  baseScores: Scores,
  /** The task-only fine-tune of the persona bases, over bases. */
  naive: Scores,
  /** Points whose answers collapsed (mean coherence < 0.5): off the frontier, like a gave-up point. */
  incoherent: z.array(z.string()),
  /** Methods with an honest point whose alignment interval lies between the naive's and the base's means. */
  between: z.array(z.string()),
  /** The control (no shared persona): its bases and their task-only fine-tunes, over bases. */
  control: z.strictObject({
    base: Scores,
    naive: Scores,
    baseDomains: z.record(z.string(), Measured),
  }),
  /**
   * The task-only fine-tune's alignment drop (base − fine-tune) per base, for the persona and the control, and
   * their difference paired by model seed: the share of the drop the shared persona causes.
   */
  drop: z.strictObject({ persona: MeanCiSchema, control: MeanCiSchema, difference: MeanCiSchema }),
});

/**
 * The EM summary.
 *
 * @example
 * ```ts
 * import type { EmSummary } from "../../../mod.ts";
 * const drop = (s: EmSummary) => s.base.alignment.mean - s.naive.alignment.mean; // the naive fine-tune's cost
 * ```
 */
export type EmSummary = z.output<typeof EmSummarySchema>;
