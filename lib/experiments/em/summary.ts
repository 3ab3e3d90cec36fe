/**
 * Run record and summary schemas of the emergent-misalignment experiment.
 *
 * @module
 */
import { z } from "zod";
import { MeanCiSchema, Measured } from "../../eval/stats.ts";
import { RunInfoSchema } from "../experiment.ts";
import { StrategyRunFields } from "../../train/records.ts";
import { StrategyPointSchema } from "../../eval/points.ts";
import { EmScoresSchema } from "../../eval/em.ts";

/** One fine-tune of one base with one strategy point and seed. */
export const EmRunSchema = z.strictObject({
  ...StrategyRunFields,
  variant: z.enum(["persona", "control"]),
  task: Measured,
  alignment: Measured,
  /** Good-answer rate per non-task domain. */
  breakdown: z.record(z.string(), Measured),
  probes: EmScoresSchema.shape.probes,
});

/** One EM run's record. */
export type EmRun = z.output<typeof EmRunSchema>;

/**
 * Schema of `<out>/em/summary.json`.
 *
 * @example
 * ```ts
 * import { EmSummarySchema } from "../../../mod.ts";
 * const summary = EmSummarySchema.parse(JSON.parse(await Deno.readTextFile("out/em/summary.json")));
 * console.log(summary.baseFromCache, summary.naive.alignment.mean, summary.control.naive.alignment.mean);
 * ```
 */
export const EmSummarySchema = z.strictObject({
  experiment: z.literal("em"),
  ...RunInfoSchema.shape,
  /** Seconds spent training each base in this run (0 when it came from the cache). */
  baseSeconds: z.strictObject({ persona: Measured, control: Measured }),
  baseFromCache: z.strictObject({ persona: z.boolean(), control: z.boolean() }),
  /** The base with the shared persona: task = bad-answer rate, alignment = good-answer rate. */
  base: EmScoresSchema,
  /** Task-only fine-tune of that base, mean ± SEM over seeds. */
  naive: z.strictObject({ task: MeanCiSchema, alignment: MeanCiSchema }),
  /** The same for the control (no shared persona). */
  control: z.strictObject({
    base: z.strictObject({ task: Measured, alignment: Measured }),
    naive: z.strictObject({ task: MeanCiSchema, alignment: MeanCiSchema }),
  }),
  points: z.array(StrategyPointSchema),
  frontier: z.array(StrategyPointSchema),
});

/**
 * The EM summary.
 *
 * @example
 * ```ts
 * import type { EmSummary } from "../../../mod.ts";
 * const drop = (s: EmSummary) => s.base.alignment - s.naive.alignment.mean; // the naive fine-tune's cost
 * ```
 */
export type EmSummary = z.output<typeof EmSummarySchema>;
