/**
 * The experiment engine and its experiments: jobs, the driver, executors, the registry, the organism
 * abstraction, and each experiment's config, stages, records, summary and findings.
 *
 * @module
 */
export * from "./driver.ts";
export * from "./estimate.ts";
export * from "./executors.ts";
export * from "./knobs.ts";
export * from "./experiment.ts";
export * from "./organism.ts";
export * from "./registry.ts";
export * from "./toy/mod.ts";
export * from "./strategies_toy/mod.ts";
export * from "./sycophancy/mod.ts";
export * from "./em/mod.ts";
