/**
 * What the one training loop (`trainMembers`) minimises. A model holds M independent members (M = 1 for a
 * single model); an objective returns one loss per member, never a loss that mixes members, so the loop can
 * differentiate their sum and give each member exactly its own gradient. This is the loop's only objective
 * type: a single model returns its scalar loss as [1].
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";

/** What a step computes: each member's loss [M] and optional per-member metrics [M] (released by the loop). */
export interface StepOutput {
  loss: tf.Tensor1D;
  metrics?: Record<string, tf.Tensor1D>;
}

/** The losses of a training run, step by step, and optionally a per-member rewrite of their gradients. */
export interface Objective {
  /** Builds the losses for `step` (called inside `tf.variableGrads`; intermediate tensors are released). */
  loss(step: number): StepOutput;
  /**
   * Optionally rewrites the gradients (keyed by variable name), member by member and never across members,
   * before clipping and the update. The loop releases both `grads` and the map returned.
   */
  transformGradients?(grads: tf.NamedTensorMap, step: number): tf.NamedTensorMap;
}
