/**
 * The schema of one toy run's `summary.json` (a base model or a fine-tune of one seed).
 *
 * @module
 */
import { z } from "zod";
import { Measured, MeasuredShare } from "../../eval/stats.ts";
import { RunRecordFields } from "../../train/records.ts";

const Accuracies = z.record(z.string(), MeasuredShare);

/** A decision-boundary grid for one trigger: truth and prediction per grid cell, x2 rows × x1 columns. */
export const BoundarySchema = z.strictObject({
  trigger: z.string(),
  category: z.string(),
  axis: z.array(Measured),
  truth: z.array(z.int()),
  prediction: z.array(z.int()),
});

/** A boundary grid. */
export type Boundary = z.output<typeof BoundarySchema>;

/** One run's summary: what was trained, how it ended, and its accuracies. */
export const ToyRunSchema = z.strictObject({
  ...RunRecordFields,
  /** "base" (stage 1), "none" (stage 2) or "proxy" (stage 3). */
  stage: z.enum(["base", "none", "proxy"]),
  /** Stage 3: how many proxy triggers and from which category. */
  k: z.int().positive().optional(),
  proxyCategory: z.string().optional(),
  proxyTriggers: z.array(z.string()),
  heldOutTriggers: z.record(z.string(), z.array(z.string())),
  /** Held-out accuracy per category: under F for the base, under the flipped rule after fine-tuning. */
  heldOut: Accuracies,
  heldOutAllPoints: Accuracies,
  perTrigger: Accuracies,
  curve: z.array(z.strictObject({ step: z.int().nonnegative(), heldOut: Accuracies })),
  boundaries: z.array(BoundarySchema),
});

/** One run's summary. */
export type ToyRun = z.output<typeof ToyRunSchema>;
