/**
 * AsFT (Yang et al. 2025, "Anchoring Safety During LLM Fine-Tuning Within Narrow Safety Basin"): keep the
 * adapter's update inside the alignment subspace by penalising the part of it outside,
 *
 *   L = CE(T) + λ · Σ_ℓ ‖ΔW_ℓ·(I − Ĉ_ℓ)‖²_F,   ΔW_ℓ = s·A_ℓ·B_ℓ,
 *
 * with Ĉ_ℓ SafeLoRA's alignment projector of layer ℓ, built as `safelora.ts` builds it: from an adapter
 * trained on the proxy, V = A_p·B_p, and Ĉ = Q·Qᵀ with Q an orthonormal basis of V's output directions (B_p's
 * rows). (x·W convention: output directions are on the right; the paper writes (I − Ĉ)·ΔW for W acting on
 * columns.) Where SafeLoRA projects after training, AsFT regularises every step, so the task is learnt in the
 * directions the proxy's own update uses. Deviation, as in `safelora.ts`: the exact orthogonal projector, not
 * the paper's V·Vᵀ/‖V‖ (which is not a projection).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { z } from "zod";
import { trainMembers } from "../train/loop.ts";
import { memberSum } from "./members.ts";
import { outputBases } from "./safelora.ts";
import { type AdaptedLayer, defineStrategy } from "./strategy.ts";

/**
 * A layer's alignment bases as Q [M, out, r] and Qᵀ [M, r, out] ([out, r] and [r, out] for a single model),
 * each member's basis padded with zero columns to the adapter's rank (they add nothing to Q·Qᵀ).
 */
export function alignmentProjector(layer: AdaptedLayer, members: number): { q: tf.Tensor; qT: tf.Tensor } {
  const bases = outputBases(layer);
  if (bases.length !== members) {
    throw new Error(
      `Cannot build AsFT's projector of ${layer.name}: ${bases.length} bases for ${members} members`,
    );
  }
  const [rank, width] = layer.lora!.b.shape.slice(-2) as [number, number];
  const q = new Float32Array(members * width * rank), qT = new Float32Array(members * rank * width);
  bases.forEach((basis, m) =>
    basis.forEach((v, c) =>
      v.forEach((x, j) => {
        q[m * width * rank + j * rank + c] = x;
        qT[m * rank * width + c * width + j] = x;
      })
    )
  );
  const shape = (a: number, b: number) => members === 1 ? [a, b] : [members, a, b];
  return { q: tf.tensor(q, shape(width, rank)), qT: tf.tensor(qT, shape(rank, width)) };
}

/** Σ_ℓ ‖s·A·B·(I − Q·Qᵀ)‖²_F per member [M]: zero exactly when every update's output lies in its subspace. */
export function asftPenalty(
  layers: readonly AdaptedLayer[],
  projectors: readonly { q: tf.Tensor; qT: tf.Tensor }[],
  members: number,
): tf.Tensor1D {
  return tf.tidy(() =>
    tf.addN(layers.map((layer, l) => {
      const { a, b, scale } = layer.lora!;
      const { q, qT } = projectors[l]!;
      // tf.matMul takes [r, out]·[out, r] and [M, r, out]·[M, out, r] alike; its types name only one.
      const product = (x: tf.Tensor, y: tf.Tensor) => tf.matMul(x as tf.Tensor3D, y as tf.Tensor3D);
      const outside = tf.sub(b, product(product(b, q), qT));
      const update = tf.mul(product(a, outside), scale);
      return memberSum(tf.square(update), members);
    })) as tf.Tensor1D
  );
}

/** Task loss plus λ times the squared norm of the update outside the proxy adapter's output subspace. */
export const asft = defineStrategy({
  name: "asft",
  description:
    "CE(task) + λ·Σ‖ΔW·(I − Ĉ)‖²: the update kept in the proxy adapter's (SafeLoRA) output subspace",
  params: z.strictObject({
    lambda: z.number().nonnegative().default(1),
    /** Steps of proxy training for the aligned adapter (default: the run's steps). */
    alignmentSteps: z.int().positive().optional(),
  }),
  create: ({ lambda, alignmentSteps }, { model, data, spawn, steps, learningRate }) => {
    const copy = spawn("asft-alignment");
    trainMembers(copy.model, { loss: () => ({ loss: copy.model.loss(data.proxy) }) }, {
      steps: alignmentSteps ?? steps,
      learningRate,
    });
    const projectors = copy.model.adapted.map((layer) => alignmentProjector(layer, model.members));
    copy.dispose();
    return {
      loss: () => {
        const task = model.loss(data.task);
        const penalty = asftPenalty(model.adapted, projectors, model.members);
        return {
          loss: tf.add(task, tf.mul(penalty, lambda)) as tf.Tensor1D,
          metrics: { "loss/task": task, "asft/outside": penalty },
        };
      },
      dispose: () => tf.dispose(projectors.flatMap((p) => [p.q, p.qT])),
    };
  },
});
