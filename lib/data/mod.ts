/**
 * Data: seeded randomness, the toy's triggers and points, word embeddings and trigger features.
 *
 * @module
 */
export * from "./rng.ts";
export * from "./triggers.ts";
export * from "./embeddings.ts";
export * from "./features.ts";
