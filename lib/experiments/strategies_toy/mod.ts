/**
 * Fine-tuning strategies compared on the trigger toy: config and sweep, setup, runner, summary, findings.
 *
 * @module
 */
export * from "./config.ts";
export * from "./setup.ts";
export * from "./summary.ts";
export * from "./findings.ts";
export * from "./experiment.ts";
