/**
 * The member axis as strategies use it. A strategy computes one objective per member ([M] losses) and reduces
 * only within a member: `memberSum` sums everything but the leading axis, `perMember` broadcasts an [M] factor
 * back over a member-stacked tensor. With M = 1 (a single model, variables without a member axis) the same code
 * reduces over the whole tensor, so one implementation serves both. Strategies train through the one loop,
 * `trainMembers` (lib/train/loop.ts).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

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
