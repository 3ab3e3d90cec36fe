/**
 * The 2-D trigger-classification toy: config, run records, the experiment, its summary and findings.
 *
 * @module
 */
export * from "./config.ts";
export * from "./records.ts";
export * from "./summary.ts";
export * from "./findings.ts";
export * from "./experiment.ts";
