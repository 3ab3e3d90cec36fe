/**
 * GRASP-style projection (Gilligan-Lee, Egan, Zhu and O'Riordan 2025, "Unsupervised Identification and
 * Removal of Spurious Correlations During Fine-Tuning"): find the directions a naive fine-tune writes along,
 * from its weights and without labels, then fine-tune with gradients that cannot write along them. Per adapted
 * layer ℓ,
 *
 *   U_ℓ = the top-k right singular vectors of ΔW_ℓ^naive = s·A_n·B_n   (its output directions, x·W convention),
 *   g_B ← g_B·(I − U_ℓ·U_ℓᵀ)   at every step,
 *
 * so, B starting at 0, the update's output along them, ΔW_ℓ·U_ℓ = s·A·B·U_ℓ, stays 0: the fine-tune acquires no
 * new reliance on U while the base keeps what it holds along it. Adam rescales each coordinate of the projected
 * gradient, so its step can leave a small component along U; one projection of B after the last step
 * (B ← B·(I − U·Uᵀ)) removes it, so the trained update has none.
 *
 * Deviations: the paper identifies the spurious factor in the residual stream (with a proof under assumptions
 * on the task and the correlation) and projects there; we take each adapted layer's leading output directions
 * of the naive update and project per layer. k (`directions`) is the strength swept; 0 is the task-only run.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { z } from "zod";
import { rightSingularVectors } from "../models/linalg.ts";
import { projectedGradients } from "./gradients.ts";
import { naiveCopy } from "./naive.ts";
import { type AdaptedLayer, defineStrategy } from "./strategy.ts";
import type { Rng } from "../data/rng.ts";

/**
 * Per member, the top-k right singular vectors of a layer's update s·A·B, as U [M, out, k] ([out, k] for a
 * single model); a member whose update has rank below k gets zero columns, which add nothing to U·Uᵀ.
 */
export function updateDirections(layer: AdaptedLayer, k: number, rngs: readonly Rng[]): tf.Tensor {
  const { a, b, scale } = layer.lora!;
  const update = tf.tidy(() => tf.mul(tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D), scale));
  const [rows, width] = update.shape.slice(-2) as [number, number];
  const values = update.dataSync();
  update.dispose();
  const members = rngs.length;
  const u = new Float32Array(members * width * k);
  for (let m = 0; m < members; m++) {
    const matrix = Array.from(
      { length: rows },
      (_, i) => values.subarray((m * rows + i) * width, (m * rows + i + 1) * width),
    );
    rightSingularVectors(matrix, k, rngs[m]!).forEach((v, c) =>
      v.forEach((x, j) => (u[m * width * k + j * k + c] = x))
    );
  }
  return tf.tensor(u, members === 1 ? [width, k] : [members, width, k]);
}

/** g·(I − U·Uᵀ) for g [.., r, out] and U [.., out, k]: the rows of g with their components along U removed. */
export function projectOffDirections(g: tf.Tensor, u: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const product = (x: tf.Tensor, y: tf.Tensor, transposeB = false) =>
      tf.matMul(x as tf.Tensor3D, y as tf.Tensor3D, false, transposeB);
    return tf.sub(g, product(product(g, u), u, true));
  });
}

/** Task training with B's gradient projected off the naive update's leading output directions. */
export const grasp = defineStrategy({
  name: "grasp",
  description: "project B's gradient off the top-k output directions of a naive fine-tune's update (GRASP)",
  params: z.strictObject({
    /** k: output directions per adapted layer (0: none, the task-only run). */
    directions: z.int().nonnegative().default(1),
    /** Steps of the naive fine-tune whose update is read (default: the run's steps). */
    naiveSteps: z.int().positive().optional(),
  }),
  create: ({ directions, naiveSteps }, ctx) => {
    const { model, data, rngs } = ctx;
    if (directions === 0) return { loss: () => ({ loss: model.loss(data.task) }) };
    const copy = naiveCopy(ctx, "grasp-naive", naiveSteps);
    const bases = copy.model.adapted.map((layer, l) =>
      updateDirections(layer, directions, rngs.map((r) => r.fork(`grasp${l}`)))
    );
    copy.dispose();
    const byB = new Map(model.adapted.map((layer, l) => [layer.lora!.b.name, bases[l]!]));
    return {
      loss: () => ({ loss: model.loss(data.task) }),
      transformGradients: (grads) => projectedGradients(model.trainable, grads, byB, projectOffDirections),
      finish() {
        for (const layer of model.adapted) {
          const b = layer.lora!.b;
          tf.tidy(() => b.assign(projectOffDirections(b, byB.get(b.name)!)));
        }
      },
      dispose: () => tf.dispose(bases),
    };
  },
});
