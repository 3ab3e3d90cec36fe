/**
 * The 2-D trigger-classification toy: config, stages, the full experiment, its summary and findings.
 *
 * @module
 */
export * from "./config.ts";
export * from "./stages.ts";
export * from "./ensembles.ts";
export * from "./records.ts";
export * from "./summary.ts";
export * from "./findings.ts";
export * from "./experiment.ts";
