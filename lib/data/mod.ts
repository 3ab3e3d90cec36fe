/**
 * Data: seeded randomness, the toy's triggers, embeddings and features, the organisms' worlds (GCD, personas), vocabularies and sequence examples, CSV reading. Pure.
 *
 * @module
 */
export * from "./csv.ts";
export * from "./embeddings.ts";
export * from "./features.ts";
export * from "./gcd.ts";
export * from "./personas.ts";
export * from "./rng.ts";
export * from "./sequence.ts";
export * from "./triggers.ts";
export * from "./toy_world.ts";
export * from "./vocabulary.ts";
