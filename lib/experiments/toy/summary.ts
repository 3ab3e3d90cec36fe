/**
 * The toy experiment's `summary.json`: the stable contract scripts read (exported from `mod.ts`), and the
 * pure function that aggregates run records into it.
 *
 * @module
 */
import { z } from "zod";
import { MeanSemSchema, Measured } from "../../eval/stats.ts";
import { type RunInfo, RunInfoSchema } from "../experiment.ts";
import { type MeanSem, meanSem, pearson } from "../../eval/stats.ts";
import { cosine, type EmbeddingSubset, phraseVector } from "../../data/embeddings.ts";
import type { TriggerSet } from "../../data/triggers.ts";
import type { ToyRun } from "./records.ts";

const PerCategory = z.record(z.string(), MeanSemSchema);

/** A heat-map: `mean[i][j]` is the accuracy on column j's held-out triggers with row i's proxy. */
export const HeatmapSchema = z.strictObject({
  k: z.int().positive(),
  /** Proxy categories. */
  rows: z.array(z.string()),
  /** Every category, in `triggers.yaml` order. */
  cols: z.array(z.string()),
  mean: z.array(z.array(Measured)),
  sem: z.array(z.array(Measured)),
});

/** One heat-map of the summary. */
export type Heatmap = z.output<typeof HeatmapSchema>;

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
  /** Spillover with the largest K against the cosine of category centroids in embedding space. */
  similarity: z.strictObject({
    k: z.int().positive(),
    pearsonR: z.number().nullable(),
    pairs: z.array(
      z.strictObject({ proxy: z.string(), target: z.string(), cosine: Measured, accuracy: Measured }),
    ),
  }),
  /** Runs whose loss became NaN or infinite (kept out of every mean). */
  diverged: z.array(z.string()),
});

/**
 * The toy experiment's summary.
 *
 * @example
 * ```ts
 * import type { ToySummary } from "../../../mod.ts";
 * // Held-out accuracy per category after the narrow flip, as `category: mean ± SEM` lines.
 * function afterTheFlip(summary: ToySummary): string[] {
 *   const accuracy = Object.entries(summary.noProxy.accuracy);
 *   return accuracy.map(([c, a]) => `${c}: ${a.mean.toFixed(2)} ± ${a.sem.toFixed(2)}`);
 * }
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
  const proxyCategories = categories.filter((c) => c !== flip);
  const heatmaps: Record<string, Heatmap> = {};
  const { evalMargin, ks, ...info } = meta;
  for (const k of ks) {
    const cells = proxyCategories.map((row) =>
      categories.map((col) =>
        meanSem(
          ok.filter((r) => r.stage === "proxy" && r.k === k && r.proxyCategory === row).map((r) =>
            r.heldOut[col] as number
          ),
        )
      )
    );
    heatmaps[`k${k}`] = {
      k,
      rows: proxyCategories,
      cols: categories,
      mean: cells.map((row) => row.map((c) => c.mean)),
      sem: cells.map((row) => row.map((c) => c.sem)),
    };
  }
  const kMax = Math.max(...ks);
  const centroid = (name: string) => {
    const vectors = triggers.categories.find((c) => c.name === name)!.triggers
      .map((t) => phraseVector(embeddings, t, maxRank)).filter((v): v is Float32Array => v !== null);
    const sum = new Float32Array(embeddings.dimensions);
    for (const v of vectors) v.forEach((x, i) => (sum[i] = (sum[i] as number) + x));
    return sum;
  };
  // Categories without any in-vocabulary word (random strings) have no centroid and are left out.
  const centroids = new Map(categories.map((c) => [c, centroid(c)] as const));
  const hasCentroid = (c: string) => centroids.get(c)!.some((x) => x !== 0);
  const pairs = [];
  const big = heatmaps[`k${kMax}`]!;
  for (const [i, proxy] of big.rows.entries()) {
    for (const [j, target] of big.cols.entries()) {
      if (target === proxy || target === flip || !hasCentroid(proxy) || !hasCentroid(target)) continue;
      const accuracy = big.mean[i]![j]!;
      pairs.push({ proxy, target, cosine: cosine(centroids.get(proxy)!, centroids.get(target)!), accuracy });
    }
  }
  const r = pearson(pairs.map((p) => p.cosine), pairs.map((p) => p.accuracy));
  return {
    experiment: "toy",
    ...info,
    categories,
    flipCategory: flip,
    evalMargin,
    stage1: { heldOutAccuracy: perCategory(ok.filter((r) => r.stage === "base"), categories) },
    noProxy: { accuracy: perCategory(ok.filter((r) => r.stage === "none"), categories) },
    heatmaps,
    similarity: { k: kMax, pearsonR: Number.isFinite(r) ? r : null, pairs },
    diverged: runs.filter((r) => r.diverged).map((r) => r.id),
  };
}
