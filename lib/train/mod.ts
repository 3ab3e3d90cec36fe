/**
 * Training: the one loop every model and strategy runs through (`trainMembers`, its `Objective` and its
 * optimiser `MemberAdam`), progress display, run records, and a run's cost estimated before it runs.
 *
 * @module
 */
export * from "./objective.ts";
export * from "./loop.ts";
export * from "./member_adam.ts";
export * from "./progress.ts";
export * from "./records.ts";
export * from "./estimate.ts";
export * from "./curriculum.ts";
export * from "./toy_stages.ts";
export * from "./toy_ensembles.ts";
