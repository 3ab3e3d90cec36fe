/**
 * Matrix product with a gradient that transposes explicitly.
 *
 * tfjs's own matMul gradient computes dA = dy·Bᵀ and dB = Aᵀ·dy with the `transposeA/B` flags, which the
 * WASM backend runs ~14x slower than a plain matmul (measured here: 42 ms vs 3 ms for [1400,167]ᵀ·[1400,64]).
 * Transposing first (0.8 ms) and multiplying plainly gives the same numbers at a fraction of the cost, and
 * makes a training step of the toy MLP ~4x faster. Works for batched products too (attention).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** Swaps the last two axes (a no-op copy avoided for rank 2 by tf.transpose's default). */
export function transposeLast(x: tf.Tensor): tf.Tensor {
  if (x.rank === 2) return tf.transpose(x);
  const perm = [...Array(x.rank).keys()];
  [perm[x.rank - 2], perm[x.rank - 1]] = [perm[x.rank - 1]!, perm[x.rank - 2]!];
  return tf.transpose(x, perm);
}

const product = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [a, b, save] = args as [tf.Tensor, tf.Tensor, tf.GradSaveFunc];
  save([a, b]);
  return {
    value: tf.matMul(a as tf.Tensor2D, b as tf.Tensor2D),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [sa, sb] = saved as [tf.Tensor, tf.Tensor];
      return [
        tf.matMul(dy as tf.Tensor2D, transposeLast(sb) as tf.Tensor2D),
        tf.matMul(transposeLast(sa) as tf.Tensor2D, dy as tf.Tensor2D),
      ];
    },
  };
});

/**
 * a·b for a: [..., n, k], b: [..., k, m] → [..., n, m] (same leading batch shape), differentiable in both with
 * explicit-transpose gradients.
 */
export function matMul<R extends tf.Rank = tf.Rank.R2>(a: tf.Tensor, b: tf.Tensor): tf.Tensor<R> {
  return product(a, b) as tf.Tensor<R>;
}
