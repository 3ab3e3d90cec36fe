/**
 * The toy experiment's run records (a base model or a fine-tune of one seed), its `summary.json` (the stable
 * contract scripts read, exported from `mod.ts`) and the pure function that aggregates the records into it.
 *
 * @module
 */
import { z } from "zod";
import { type MeanSem, meanSem, MeanSemSchema, Measured, MeasuredShare } from "../../eval/stats.ts";
import { type RunInfo, RunInfoSchema } from "../experiment.ts";
import {
  HeatmapSchema,
  proxyHeatmap,
  SimilaritySchema,
  similarityWithInterval,
} from "../../eval/spillover.ts";
import { centroid, type EmbeddingSubset } from "../../data/embeddings.ts";
import type { TriggerSet } from "../../data/triggers.ts";
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

const PerCategory = z.record(z.string(), MeanSemSchema);

/**
 * Schema of `<out>/toy/summary.json`.
 *
 * @example
 * ```ts
 * import { ToySummarySchema } from "../../../mod.ts";
 * // A summary written by `deno task reproduce toy`; parse throws if the file does not match the schema.
 * const summary = ToySummarySchema.parse(JSON.parse(await Deno.readTextFile("out/toy/summary.json")));
 * console.log(summary.heatmaps["k5"]?.rows, summary.similarity.pearsonR);
 * ```
 */
export const ToySummarySchema = z.strictObject({
  experiment: z.literal("toy"),
  ...RunInfoSchema.shape,
  /** Categories in `triggers.yaml` order, and the one flipped in stage 2. */
  categories: z.array(z.string()),
  flipCategory: z.string(),
  /** Accuracies count evaluation points with |x2| ≥ evalMargin. */
  evalMargin: Measured,
  stage1: z.strictObject({ heldOutAccuracy: PerCategory }),
  /** After the narrow flip; the flipped category's entry is the flipped-task accuracy. */
  noProxy: z.strictObject({ accuracy: PerCategory }),
  /** Keyed `k1`, `k2`, `k5`, … */
  heatmaps: z.record(z.string(), HeatmapSchema),
  /** Spillover with the largest K against the cosine of category centroids in embedding space, with r's interval. */
  similarity: SimilaritySchema,
  /** Runs whose loss became NaN or infinite (kept out of every mean). */
  diverged: z.array(z.string()),
});

/**
 * The toy experiment's summary.
 *
 * @example
 * ```ts
 * import type { ToySummary } from "../../../mod.ts";
 * const afterTheFlip = (s: ToySummary) => Object.entries(s.noProxy.accuracy).map(([c, a]) => `${c}: ${a.mean}`);
 * ```
 */
export type ToySummary = z.output<typeof ToySummarySchema>;

function perCategory(runs: readonly ToyRun[], categories: readonly string[]): Record<string, MeanSem> {
  return Object.fromEntries(categories.map((c) => [c, meanSem(runs.map((r) => r.heldOut[c] as number))]));
}

/** Aggregates finished run records into the summary (pure; diverged runs are left out of the means). */
export function summarizeToy(
  runs: readonly ToyRun[],
  meta: RunInfo & { evalMargin: number; ks: number[] },
  triggers: TriggerSet,
  embeddings: EmbeddingSubset,
  maxRank: number,
): ToySummary {
  const categories = triggers.categories.map((c) => c.name);
  const flip = triggers.flip.category;
  const ok = runs.filter((r) => !r.diverged);
  const proxyRows = categories.filter((c) => c !== flip);
  const proxyRuns = ok.filter((r) => r.stage === "proxy");
  const heatmaps = Object.fromEntries(
    meta.ks.map((k) => [`k${k}`, proxyHeatmap(proxyRuns, k, proxyRows, categories)]),
  );
  const centroids = new Map(
    triggers.categories.map((c) => [c.name, centroid(embeddings, c.triggers, maxRank)]),
  );
  const { evalMargin, ks, ...info } = meta;
  return {
    experiment: "toy",
    ...info,
    categories,
    flipCategory: flip,
    evalMargin,
    stage1: { heldOutAccuracy: perCategory(ok.filter((r) => r.stage === "base"), categories) },
    noProxy: { accuracy: perCategory(ok.filter((r) => r.stage === "none"), categories) },
    heatmaps,
    similarity: similarityWithInterval(
      proxyRuns,
      Math.max(...ks),
      { rows: proxyRows, cols: categories },
      centroids,
      flip,
    ),
    diverged: runs.filter((r) => r.diverged).map((r) => r.id),
  };
}
