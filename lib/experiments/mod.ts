/**
 * The experiment engine and its experiments: jobs, the driver, executors, the registry, the organism
 * abstraction, and each experiment's config, records, summary and findings.
 *
 * @module
 */
export * from "./driver.ts";
export * from "./executors.ts";
export * from "./experiment.ts";
export * from "./organism.ts";
export * from "./registry.ts";
export * from "./toy/config.ts";
export * from "./toy/summary.ts";
export * from "./toy/findings.ts";
export * from "./toy/experiment.ts";
export * from "./strategies_toy/config.ts";
export * from "./strategies_toy/summary.ts";
export * from "./strategies_toy/experiment.ts";
export * from "./sycophancy/config.ts";
export * from "./sycophancy/summary.ts";
export * from "./sycophancy/findings.ts";
export * from "./sycophancy/organism.ts";
export * from "./sycophancy/proxies.ts";
export * from "./em/config.ts";
export * from "./em/summary.ts";
export * from "./em/findings.ts";
export * from "./em/organism.ts";
export * from "./em/proxies.ts";
export * from "./proxies.ts";
