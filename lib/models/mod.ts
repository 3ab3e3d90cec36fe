/**
 * Models: dense layers with LoRA adapters, the toy's MLP classifier and its ensembles.
 *
 * @module
 */
export * from "./matmul.ts";
export * from "./lora.ts";
export * from "./mlp.ts";
export * from "./ensemble.ts";
export * from "./ensemble_view.ts";
export * from "./member_matmul.ts";
