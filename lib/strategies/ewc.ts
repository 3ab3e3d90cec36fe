/**
 * Elastic weight consolidation (EWC; Kirkpatrick et al. 2017, "Overcoming catastrophic forgetting in neural
 * networks"), the continual-learning baseline: keep the weights that matter for the proxy near their starting
 * values,
 *
 *   L = CE(T) + λ · Σ_i F_i · (θ_i − θ*_i)²,   F_i = (1/n) · Σ_j (∂ℓ_j/∂θ_i)² at θ*,
 *
 * with θ the trainable adapters, θ* their values at the start, and ℓ_j = −log p(y_j | x_j) the loss of proxy
 * example j (a transformer's: the mean over its answer tokens). F is the empirical diagonal Fisher: the mean of
 * squared per-example gradients, never the square of the mean gradient.
 *
 * Deviations: λ absorbs the paper's ½. With LoRA at its start (B = 0) every ∂ℓ/∂A is 0, so F is 0 on A and the
 * penalty holds the update ΔW = s·A·B through B alone.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { z } from "zod";
import { gradientList } from "./gradients.ts";
import { memberSum } from "./members.ts";
import { defineStrategy, type StrategyModel } from "./strategy.ts";

/**
 * The diagonal empirical Fisher of `batch` at the model's current weights, aligned with `model.trainable`:
 * (1/n)·Σ_j g_j², g_j the gradient of example j's log-likelihood (each member's own).
 */
export function diagonalFisher<B>(model: StrategyModel<B>, batch: B): tf.Tensor[] {
  const n = model.size(batch);
  let sums: tf.Tensor[] = model.trainable.map((v) => tf.zerosLike(v));
  for (let j = 0; j < n; j++) {
    const next = tf.tidy(() => {
      const grads = gradientList(
        model.trainable,
        () => tf.slice(model.responseLogProb(batch), [0, j], [-1, 1]),
      );
      return sums.map((s, i) => tf.add(s, tf.square(grads[i]!)));
    });
    tf.dispose(sums);
    sums = next;
  }
  const fisher = sums.map((s) => tf.div(s, n));
  tf.dispose(sums);
  return fisher;
}

/** Σ_i F_i·(θ_i − θ*_i)² per member [M]: 0 at θ = θ*. */
export function ewcPenalty(
  variables: readonly tf.Variable[],
  anchors: readonly tf.Tensor[],
  fisher: readonly tf.Tensor[],
  members: number,
): tf.Tensor1D {
  return tf.tidy(() =>
    tf.addN(
      variables.map((v, i) => memberSum(tf.mul(fisher[i]!, tf.square(tf.sub(v, anchors[i]!))), members)),
    ) as tf.Tensor1D
  );
}

/** Task loss plus λ times the proxy-Fisher-weighted distance from the starting adapters. */
export const ewc = defineStrategy({
  name: "ewc",
  description: "CE(task) + λ·Σ F·(θ − θ*)², F the proxy's diagonal Fisher at the start (EWC)",
  params: z.strictObject({
    lambda: z.number().nonnegative().default(1000),
  }),
  create: ({ lambda }, { model, data }) => {
    const anchors = model.trainable.map((v) => tf.clone(v));
    const fisher = diagonalFisher(model, data.proxy);
    return {
      loss: () => {
        const task = model.loss(data.task);
        const penalty = ewcPenalty(model.trainable, anchors, fisher, model.members);
        return {
          loss: tf.add(task, tf.mul(penalty, lambda)) as tf.Tensor1D,
          metrics: { "loss/task": task, "ewc/penalty": penalty },
        };
      },
      dispose: () => tf.dispose([...anchors, ...fisher]),
    };
  },
});
