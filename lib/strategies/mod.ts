/**
 * Fine-tuning strategies: one interface, one file per strategy, one registry, one runner.
 *
 * @module
 */
export * from "./strategy.ts";
export * from "./gradients.ts";
export * from "./members.ts";
export * from "./registry.ts";
export * from "./finetune.ts";
export * from "./sweep.ts";
export * from "./copies.ts";
export * from "./transformer_setup.ts";
export * from "./organism_model.ts";
export * from "./toy_setup.ts";
export * from "./task_only.ts";
export * from "./mixed.ts";
export * from "./upweighted.ts";
export * from "./kl.ts";
export * from "./representation.ts";
export * from "./gradient_projection.ts";
export * from "./dpo.ts";
export * from "./safelora.ts";
export * from "./orthogonal.ts";
export * from "./steering.ts";
export * from "./caft.ts";
export * from "./naive.ts";
export * from "./interleaving.ts";
export * from "./grasp.ts";
export * from "./gradient_routing.ts";
export * from "./ewc.ts";
export * from "./null_space.ts";
export * from "./preventative_steering.ts";
