/**
 * The sycophancy organism: config, base training and cache, evaluation, setup, runner, summary, findings.
 *
 * @module
 */
export * from "./config.ts";
export * from "./base.ts";
export * from "./evaluate.ts";
export * from "./setup.ts";
export * from "./summary.ts";
export * from "./findings.ts";
export * from "./run.ts";
