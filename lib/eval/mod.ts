/**
 * Evaluation: aggregation over seeds.
 *
 * @module
 */
export * from "./stats.ts";
