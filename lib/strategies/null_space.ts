/**
 * Null-space updates (the projection of AlphaEdit, Fang et al. 2025, "AlphaEdit: Null-Space Constrained
 * Knowledge Editing for Language Models", applied to fine-tuning): keep each adapted layer's outputs on the
 * proxy's inputs as the base computes them. With K_ℓ [n, in] the layer's inputs on the proxy at the start and
 * P_ℓ = U_ℓ·U_ℓᵀ the projector onto their dominant row space (x·W convention),
 *
 *   ΔW_ℓ = s·A_ℓ·B_ℓ  with  A_ℓ ← (I − P_ℓ)·A_ℓ,  so  K_ℓ·ΔW_ℓ = 0  where U_ℓ spans K_ℓ's rows.
 *
 * A is projected at the start, its gradient at every step, and A once more after the last step (Adam rescales
 * each coordinate of the projected gradient, so its step can leave a component in U's span). When every layer
 * maps the proxy's inputs as the base does, each next layer's inputs are unchanged too, so the whole model's
 * outputs on the proxy are the base's.
 *
 * With all of K's directions P is K⁺K, and a proxy with more examples than a layer is wide spans the whole input
 * space, leaving nothing to learn. U_ℓ therefore keeps the fewest leading right singular vectors of K_ℓ that
 * hold a share `energy` of ‖K_ℓ‖²_F (1: every direction with σ > 0, the exact constraint; 0: none, the task-only
 * run), the strength swept; below 1 the proxy's outputs are kept only along their dominant directions.
 *
 * Deviations: AlphaEdit keeps the directions of K₀K₀ᵀ above a fixed eigenvalue threshold, with K₀ from a large
 * corpus of knowledge to preserve, and solves for ΔW in closed form; we take the proxy as K, choose directions
 * by their share of the energy, constrain a LoRA adapter's A factor and train with Adam. K_ℓ is read at the
 * positions a strategy scores (every row of the toy; the outputs that predict a response's tokens in a
 * transformer, whose attention also reads the prompt's other positions, so there the invariance is
 * approximate even at energy 1).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { z } from "zod";
import type { Rng } from "../data/rng.ts";
import { energySubspace } from "../models/linalg.ts";
import { projectedGradients } from "./gradients.ts";
import { defineStrategy, type StrategyModel } from "./strategy.ts";

/**
 * Per adapted layer, per member, an orthonormal basis of the dominant row space of the layer's inputs on
 * `batch`: U [M, in, k] ([in, k] for a single model), members with fewer directions padded with zero columns
 * (which add nothing to U·Uᵀ); null where no member has any.
 */
export function inputSubspaces<B>(
  model: StrategyModel<B>,
  batch: B,
  energy: number,
  rngs: readonly Rng[],
): (tf.Tensor | null)[] {
  const inputs = model.adaptedInputs(batch);
  const bases = inputs.map((x, l) => {
    const [members, rows, width] = x.shape;
    const values = x.dataSync();
    const found = Array.from({ length: members }, (_, m) =>
      energySubspace(
        Array.from({ length: rows }, (_, i) =>
          values.subarray((m * rows + i) * width, (m * rows + i + 1) * width)),
        energy,
        rngs[m]!.fork(`null-space${l}`),
      ));
    const k = Math.max(...found.map((f) => f.length));
    if (k === 0) return null;
    const u = new Float32Array(members * width * k);
    found.forEach((vectors, m) =>
      vectors.forEach((v, c) => v.forEach((value, j) => (u[(m * width + j) * k + c] = value)))
    );
    return tf.tensor(u, members === 1 ? [width, k] : [members, width, k]);
  });
  tf.dispose(inputs);
  return bases;
}

/** (I − U·Uᵀ)·a for a [.., in, r] and U [.., in, k]: a's columns with their components in U's span removed. */
export function projectOffInputs(a: tf.Tensor, u: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const product = (x: tf.Tensor, y: tf.Tensor, transposeA = false) =>
      tf.matMul(x as tf.Tensor3D, y as tf.Tensor3D, transposeA);
    return tf.sub(a, product(u, product(u, a, true)));
  });
}

/** Task training with each adapter's input side kept off the proxy inputs' dominant subspace. */
export const nullSpace = defineStrategy({
  name: "null-space",
  description: "keep each adapter's update off the proxy's layer inputs, so proxy outputs stay the base's",
  params: z.strictObject({
    /** Share of each layer's proxy-input energy ‖K‖²_F whose directions the update may not read (0: none). */
    energy: z.number().min(0).max(1).default(0.9),
  }),
  create: ({ energy }, { model, data, rngs }) => {
    if (model.adapted.length === 0) {
      throw new Error(
        "Cannot constrain a null-space update without adapters: give the fine-tune a LoRA rank",
      );
    }
    const task = () => ({ loss: model.loss(data.task) });
    const bases = inputSubspaces(model, data.proxy, energy, rngs);
    const byA = new Map(
      model.adapted.flatMap((layer, l) => (bases[l] ? [[layer.lora!.a.name, bases[l]!] as const] : [])),
    );
    const project = () => {
      for (const layer of model.adapted) {
        const a = layer.lora!.a, u = byA.get(a.name);
        if (u) tf.tidy(() => a.assign(projectOffInputs(a, u)));
      }
    };
    project();
    return {
      loss: task,
      transformGradients: (grads) => projectedGradients(model.trainable, grads, byA, projectOffInputs),
      finish: project,
      dispose: () => tf.dispose(bases.filter((u): u is tf.Tensor => u !== null)),
    };
  },
});
