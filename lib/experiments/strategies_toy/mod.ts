/**
 * Fine-tuning strategies compared on the trigger toy: config, the experiment, summary, findings.
 *
 * @module
 */
export * from "./config.ts";
export * from "./summary.ts";
export * from "./findings.ts";
export * from "./experiment.ts";
