/**
 * The toy's spillover measures: a heat-map of held-out accuracy per proxy category (rows) and evaluated
 * category (columns), and how far the spillover from one category to another follows their similarity in
 * embedding space (Pearson r of accuracy against the cosine of the categories' centroids). Pure.
 *
 * @module
 */
import { z } from "zod";
import { cosine } from "../data/embeddings.ts";
import { bootstrapBases, percentileInterval } from "./bootstrap.ts";
import { mean, meanSem, Measured, pearson } from "./stats.ts";

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

/** One heat-map. */
export type Heatmap = z.output<typeof HeatmapSchema>;

/** Spillover with K proxy triggers against the cosine of category centroids. */
export const SimilaritySchema = z.strictObject({
  k: z.int().positive(),
  pearsonR: z.number().nullable(),
  /**
   * 95% percentile-bootstrap interval of r over seeds (each toy seed trains its own base): NaN with one seed.
   * It covers the variation between seeds, not the choice of categories.
   */
  interval: z.strictObject({ low: Measured, high: Measured }),
  pairs: z.array(
    z.strictObject({ proxy: z.string(), target: z.string(), cosine: Measured, accuracy: Measured }),
  ),
});

/** Spillover against similarity. */
export type Similarity = z.output<typeof SimilaritySchema>;

/** What a heat-map needs of one fine-tune with a proxy. */
export interface ProxyRun {
  seed: number;
  k?: number | undefined;
  proxyCategory?: string | undefined;
  heldOut: Record<string, number>;
}

/** The heat-map of the runs with `k` proxy triggers: mean ± SEM over seeds per proxy row and category column. */
export function proxyHeatmap(runs: readonly ProxyRun[], k: number, rows: string[], cols: string[]): Heatmap {
  const cells = rows.map((row) =>
    cols.map((col) =>
      meanSem(runs.filter((r) => r.k === k && r.proxyCategory === row).map((r) => r.heldOut[col] as number))
    )
  );
  return {
    k,
    rows,
    cols,
    mean: cells.map((r) => r.map((c) => c.mean)),
    sem: cells.map((r) => r.map((c) => c.sem)),
  };
}

/**
 * Each off-diagonal cell of a heat-map (the flipped category's column left out) beside the cosine of its
 * categories' centroids, and their Pearson r; categories without a centroid are left out.
 */
export function spilloverSimilarity(
  heatmap: Heatmap,
  centroids: ReadonlyMap<string, Float32Array | null>,
  flipCategory: string,
): Omit<Similarity, "interval"> {
  const pairs = [];
  for (const [i, proxy] of heatmap.rows.entries()) {
    for (const [j, target] of heatmap.cols.entries()) {
      const a = centroids.get(proxy), b = centroids.get(target);
      if (target === proxy || target === flipCategory || !a || !b) continue;
      pairs.push({ proxy, target, cosine: cosine(a, b), accuracy: heatmap.mean[i]![j]! });
    }
  }
  const r = pearson(pairs.map((p) => p.cosine), pairs.map((p) => p.accuracy));
  return { k: heatmap.k, pearsonR: Number.isFinite(r) ? r : null, pairs };
}

/**
 * `spilloverSimilarity` of the runs with `k` proxy triggers, with a 95% percentile-bootstrap interval of r over
 * seeds: resample the seeds with replacement, rebuild the heat-map from the resampled seeds' runs (a seed drawn
 * twice counts twice) and recompute r (Efron & Tibshirani 1993, §13.3).
 */
export function similarityWithInterval(
  runs: readonly ProxyRun[],
  k: number,
  axes: { rows: string[]; cols: string[] },
  centroids: ReadonlyMap<string, Float32Array | null>,
  flipCategory: string,
): Similarity {
  const bySeed = Map.groupBy(runs.filter((r) => r.k === k), (r) => r.seed);
  const r = (seeds: readonly number[]) => {
    const sample = seeds.flatMap((seed) => bySeed.get(seed) ?? []);
    const heatmap = proxyHeatmap(sample, k, axes.rows, axes.cols);
    return [spilloverSimilarity(heatmap, centroids, flipCategory).pearsonR ?? NaN];
  };
  const seeds = [...bySeed.keys()].sort((a, b) => a - b);
  const { draws } = bootstrapBases(seeds, r);
  const similarity = spilloverSimilarity(
    proxyHeatmap(runs, k, axes.rows, axes.cols),
    centroids,
    flipCategory,
  );
  const { low, high } = percentileInterval(similarity.pearsonR ?? NaN, draws.map((d) => d[0]!));
  return { ...similarity, interval: { low, high } };
}

/**
 * A heat map's mean accuracy off its diagonal (proxy ≠ target), leaving out the flipped category's column and,
 * with `only`, any cell whose row or column is not in it.
 */
export function offDiagonalMean(h: Heatmap, flip: string, only?: readonly string[]): number {
  const cells: number[] = [];
  h.rows.forEach((row, i) => {
    h.cols.forEach((col, j) => {
      if (row === col || col === flip) return;
      if (only && !(only.includes(row) && only.includes(col))) return;
      cells.push(h.mean[i]![j]!);
    });
  });
  return mean(cells);
}
