/**
 * Models: the toy MLP and its ensembles, LoRA, the tiny transformer, their strategy views, member products, linear algebra, weights on disk.
 *
 * @module
 */
export * from "./classifier_view.ts";
export * from "./ensemble.ts";
export * from "./ensemble_view.ts";
export * from "./linalg.ts";
export * from "./lora.ts";
export * from "./matmul.ts";
export * from "./member_matmul.ts";
export * from "./mlp.ts";
export * from "./sequence_batch.ts";
export * from "./transformer.ts";
export * from "./transformer_view.ts";
export * from "./view.ts";
export * from "./weights.ts";
