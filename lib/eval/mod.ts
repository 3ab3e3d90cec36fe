/**
 * Metrics: means and intervals, Pareto frontiers and their hypervolumes, leaderboards, aggregation of run records into sweep points, PCA, the post's
 * claims as findings (all pure); the organisms' scores of a model; the post's own numbers, shipped in
 * `data/post/` or imported from a checkout of the original repository's evaluation CSVs.
 *
 * @module
 */
export * from "./pareto.ts";
export * from "./pca.ts";
export * from "./points.ts";
export * from "./original.ts";
export * from "./post_pareto.ts";
export * from "./em.ts";
export * from "./sycophancy.ts";
export * from "./stats.ts";
export * from "./findings.ts";
export * from "./spillover.ts";
export * from "./hypervolume.ts";
export * from "./leaderboard.ts";
export * from "./scorecard.ts";
export * from "./bootstrap.ts";
export * from "./claims.ts";
export * from "./spread.ts";
export * from "./benchmark.ts";
export * from "./proxy_quality.ts";
