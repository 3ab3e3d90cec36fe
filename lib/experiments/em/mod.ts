/**
 * The emergent-misalignment organism: config, evaluation, the organism's definition, summary, findings.
 *
 * @module
 */
export * from "./config.ts";
export * from "./organism.ts";
export * from "./summary.ts";
export * from "./findings.ts";
