/**
 * Training: the one loop every strategy runs through, progress display and run records.
 *
 * @module
 */
export * from "./loop.ts";
export * from "./ensemble_loop.ts";
export * from "./member_adam.ts";
export * from "./progress.ts";
export * from "./records.ts";
