/**
 * O-LoRA-style penalties on the task adapter's A matrices against proxy directions P_A (original code):
 *
 *   orthogonal:  L = CE(B_t) + λ · Σ_layers Σ_ij |(Aᵀ·P_A)_ij|
 *   directional: L = CE(B_t) − λ · Σ_layers Σ_ij (Aᵀ·P_A)_ij
 *
 * (A: [in, r] here, the transpose of the original's [r, in]; the r × r products are the same.) P_A is the mean
 * proxy gradient with respect to A over `precomputeSteps` of proxy training on a copy (`source: gradient`, the
 * original code), or the A of an adapter trained on the proxy (`source: adapter`, as in the O-LoRA paper).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { z } from "zod";
import { trainMembers } from "../train/loop.ts";
import { meanGradientWhileTraining } from "./gradients.ts";
import { memberSum } from "./members.ts";
import { defineStrategy } from "./strategy.ts";

/** Aᵀ·P per member: A and P [in, r], or stacked [M, in, r]. */
function overlap(a: tf.Tensor, p: tf.Tensor): tf.Tensor {
  return tf.matMul(a as tf.Tensor3D, p as tf.Tensor3D, true, false);
}

/** Σ_layers Σ|Aᵀ·P| per member [M]: zero exactly when every A is orthogonal to its P. */
export function orthogonalPenalty(
  as: readonly tf.Tensor[],
  ps: readonly tf.Tensor[],
  members = 1,
): tf.Tensor1D {
  return tf.tidy(() => tf.addN(as.map((a, l) => memberSum(tf.abs(overlap(a, ps[l]!)), members))));
}

/** Σ_layers Σ(Aᵀ·P) per member [M]: the signed overlap the directional penalty rewards. */
export function directionalOverlap(
  as: readonly tf.Tensor[],
  ps: readonly tf.Tensor[],
  members = 1,
): tf.Tensor1D {
  return tf.tidy(() => tf.addN(as.map((a, l) => memberSum(overlap(a, ps[l]!), members))));
}

/** Task loss plus an orthogonality (or minus a directional) penalty on LoRA A against proxy directions. */
export const orthogonal = defineStrategy({
  name: "o-lora",
  description: "CE(task) + λ·Σ|Aᵀ·P_A| (orthogonal) or − λ·Σ Aᵀ·P_A (directional) against proxy directions",
  params: z.strictObject({
    lambda: z.number().nonnegative().default(1),
    penalty: z.enum(["orthogonal", "directional"]).default("orthogonal"),
    source: z.enum(["gradient", "adapter"]).default("gradient"),
    precomputeSteps: z.int().positive().default(10),
  }),
  create: ({ lambda, penalty, source, precomputeSteps }, { model, data, spawn, steps, learningRate }) => {
    const copy = spawn("o-lora-proxy");
    const aIndex = copy.model.adapted.map((l) => copy.model.trainable.indexOf(l.lora!.a));
    let directions: tf.Tensor[];
    if (source === "gradient") {
      const mean = meanGradientWhileTraining(
        copy.model,
        () => copy.model.loss(data.proxy),
        precomputeSteps,
        learningRate,
      );
      directions = aIndex.map((i) => mean[i]!);
      tf.dispose(mean.filter((_, i) => !aIndex.includes(i)));
    } else {
      trainMembers(copy.model, { loss: () => ({ loss: copy.model.loss(data.proxy) }) }, {
        steps,
        learningRate,
      });
      directions = copy.model.adapted.map((l) => tf.clone(l.lora!.a));
    }
    copy.dispose();
    const as = model.adapted.map((l) => l.lora!.a);
    return {
      loss: () => {
        const task = model.loss(data.task);
        const term = penalty === "orthogonal"
          ? orthogonalPenalty(as, directions, model.members)
          : tf.neg(directionalOverlap(as, directions, model.members));
        return {
          loss: tf.add(task, tf.mul(term, lambda)) as tf.Tensor1D,
          metrics: { "loss/task": task, "o-lora/penalty": term },
        };
      },
      dispose: () => tf.dispose(directions),
    };
  },
});
