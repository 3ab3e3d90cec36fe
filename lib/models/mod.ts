/**
 * Models: dense layers with LoRA adapters and the toy's MLP classifier.
 *
 * @module
 */
export * from "./matmul.ts";
export * from "./lora.ts";
export * from "./mlp.ts";
