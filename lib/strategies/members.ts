/**
 * The member axis as strategies use it. A strategy computes one objective per member ([M] losses) and reduces
 * only within a member: `memberSum` sums everything but the leading axis, `perMember` broadcasts an [M] factor
 * back over a member-stacked tensor. With M = 1 (a single model, variables without a member axis) the same code
 * reduces over the whole tensor, so one implementation serves both. `trainMembers` picks the loop: `train` for
 * one model, `trainEnsemble` for stacked members.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { train, type TrainCallback, type TrainResult } from "../train/loop.ts";
import { trainEnsemble } from "../train/ensemble_loop.ts";

/** What a strategy's step computes: each member's loss [M] and optional per-member metrics [M]. */
export interface MemberStepOutput {
  loss: tf.Tensor1D;
  metrics?: Record<string, tf.Tensor1D>;
}

/** A strategy's objective: per-member losses, and optionally a per-member rewrite of the gradients. */
export interface MemberObjective {
  /** Builds the losses for `step` (called inside `tf.variableGrads`; intermediate tensors are released). */
  loss(step: number): MemberStepOutput;
  /** Optionally rewrites the gradients (keyed by variable name), member by member, before the update. */
  transformGradients?(grads: tf.NamedTensorMap, step: number): tf.NamedTensorMap;
}

/** Σ over every axis but the leading member axis: [M]. With M = 1, the sum of the whole tensor as [1]. */
export function memberSum(x: tf.Tensor, members: number): tf.Tensor1D {
  return tf.tidy(() => tf.sum(tf.reshape(x, [members, -1]), 1) as tf.Tensor1D);
}

/** The mean over every axis but the leading member axis: [M]. */
export function memberMean(x: tf.Tensor, members: number): tf.Tensor1D {
  return tf.tidy(() => tf.mean(tf.reshape(x, [members, -1]), 1) as tf.Tensor1D);
}

/**
 * An [M] factor shaped to multiply `like` member by member: [M, 1, …] for a member-stacked tensor, a scalar for
 * a single model's (whose tensors have no member axis).
 */
export function perMember(factor: tf.Tensor1D, like: tf.Tensor, members: number): tf.Tensor {
  if (members === 1) return tf.reshape(factor, []);
  return tf.reshape(factor, [members, ...Array<number>(like.rank - 1).fill(1)]);
}

/** Optimiser settings of `trainMembers`. */
export interface MemberTrainOptions {
  steps: number;
  learningRate: number;
  /** Per-step hooks (single models only: an ensemble's members have no single loss to report). */
  callbacks?: TrainCallback[];
}

/**
 * Trains a model's members on `objective` with Adam: one `TrainResult` per member, each what the member would
 * get trained alone (members share no weights, so the gradient of the summed losses is each member's own).
 */
export function trainMembers(
  model: { members: number; trainable: tf.Variable[] },
  objective: MemberObjective,
  options: MemberTrainOptions,
): TrainResult[] {
  const transform = objective.transformGradients?.bind(objective);
  if (model.members === 1) {
    return [train(model.trainable, {
      loss: (step) => {
        const out = objective.loss(step);
        const scalar = (t: tf.Tensor1D) => tf.reshape(t, []) as tf.Scalar;
        return {
          loss: scalar(out.loss),
          metrics: Object.fromEntries(Object.entries(out.metrics ?? {}).map(([k, m]) => [k, scalar(m)])),
        };
      },
      ...(transform ? { transformGradients: transform } : {}),
    }, options)];
  }
  if (options.callbacks?.length) throw new Error("Cannot report per-step callbacks for an ensemble");
  return trainEnsemble(model.trainable, {
    loss: (step) => {
      const out = objective.loss(step);
      return { perMember: out.loss, ...(out.metrics ? { metrics: out.metrics } : {}) };
    },
    ...(transform ? { transformGradients: transform } : {}),
  }, { steps: options.steps, learningRate: options.learningRate });
}
