/**
 * Metrics: means and intervals, Pareto frontiers, aggregation of run records into sweep points, PCA. Pure.
 *
 * @module
 */
export * from "./pareto.ts";
export * from "./pca.ts";
export * from "./points.ts";
export * from "./stats.ts";
