/**
 * SafeLoRA (Hsu et al. 2024), proxy-based: project the task adapter's update onto the alignment subspace of
 * the layers where it strays from it, after training.
 *
 * Alignment matrix per adapted layer: V = W_aligned − W_unaligned with W_aligned = base + an adapter trained
 * on the proxy and W_unaligned = the base, so V = A_p·B_p. For the task update ΔW = A·B, with C the projector
 * onto V's output directions: B ← B·C on layers where cos(vec(A·B·C), vec(A·B)) ≤ threshold (or on the
 * `lowest` n layers by that cosine).
 *
 * Deviation: the original uses C = V·Vᵀ/‖V‖_F, which is not a projection (applying it twice changes the
 * update again); we use the exact orthogonal projector onto the span of V's output directions (C = Q·Qᵀ, Q an
 * orthonormal basis of B_p's rows), so the edit is idempotent. "Post-hoc": the projection is applied once,
 * after fine-tuning, as in the paper.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { z } from "zod";
import { orthonormalize } from "../eval/pca.ts";
import type { DenseLayer } from "../models/lora.ts";
import { train } from "../train/loop.ts";
import { defineStrategy } from "./strategy.ts";

/** An orthonormal basis of the output directions of an adapter update A·B: the span of B's rows. */
export function outputBasis(layer: DenseLayer): Float64Array[] {
  if (!layer.lora) throw new Error(`Cannot take the alignment subspace of ${layer.name}: it has no adapter`);
  const [rank, width] = layer.lora.b.shape as [number, number];
  const b = layer.lora.b.dataSync();
  return orthonormalize(Array.from({ length: rank }, (_, r) => b.subarray(r * width, (r + 1) * width)));
}

/** B·Q·Qᵀ for B [r, out] (row-major) and an orthonormal basis Q of output directions. Pure. */
export function projectRows(b: Float32Array, width: number, basis: readonly Float64Array[]): Float32Array {
  const out = new Float32Array(b.length);
  for (let r = 0; r < b.length / width; r++) {
    const row = b.subarray(r * width, (r + 1) * width);
    for (const q of basis) {
      let dot = 0;
      for (let j = 0; j < width; j++) dot += row[j]! * q[j]!;
      for (let j = 0; j < width; j++) out[r * width + j]! += dot * q[j]!;
    }
  }
  return out;
}

/** cos(vec(A·B'), vec(A·B)) for a layer's adapter and a candidate B'. */
function updateCosine(layer: DenseLayer, projected: Float32Array): number {
  const lora = layer.lora!;
  return tf.tidy(() => {
    const before = tf.matMul(lora.a, lora.b);
    const after = tf.matMul(lora.a, tf.tensor(projected, lora.b.shape));
    const dot = tf.sum(tf.mul(before, after)).dataSync()[0]!;
    const norms = tf.norm(before).dataSync()[0]! * tf.norm(after).dataSync()[0]!;
    return norms > 0 ? dot / norms : 0;
  });
}

/** Which layers to project: those at or below a cosine threshold, or the n lowest. */
export type SafeLoraSelection = { threshold: number } | { lowest: number };

/** Projects the selected layers' B in place; returns each layer's cosine and the projected layer indices. */
export function safeLoraProject(
  layers: readonly DenseLayer[],
  bases: readonly Float64Array[][],
  selection: SafeLoraSelection,
): { cosines: number[]; projected: number[] } {
  const candidates = layers.map((layer, l) => {
    const width = layer.lora!.b.shape[1]!;
    const projectedB = projectRows(layer.lora!.b.dataSync() as Float32Array, width, bases[l]!);
    return { l, projectedB, cosine: updateCosine(layer, projectedB) };
  });
  const chosen = "threshold" in selection
    ? candidates.filter((c) => c.cosine <= selection.threshold)
    : [...candidates].sort((a, b) => a.cosine - b.cosine).slice(0, selection.lowest);
  for (const c of chosen) {
    const b = layers[c.l]!.lora!.b;
    tf.tidy(() => b.assign(tf.tensor(c.projectedB, b.shape)));
  }
  return {
    cosines: candidates.map((c) => c.cosine),
    projected: chosen.map((c) => c.l).sort((a, b) => a - b),
  };
}

/** Task-only training, then SafeLoRA's projection onto a proxy-trained alignment subspace. */
export const safeLora = defineStrategy({
  name: "safelora",
  description: "task-only training, then project straying layers' updates onto the proxy adapter's subspace",
  params: z.strictObject({
    select: z.enum(["threshold", "lowest"]).default("threshold"),
    /** With `select: threshold`: project layers whose update cosine is at or below this. */
    threshold: z.number().min(-1).max(1).default(0.5),
    /** With `select: lowest`: project this many layers, lowest cosine first. */
    lowest: z.int().nonnegative().default(1),
    /** Steps of proxy training for the aligned adapter (default: the run's steps). */
    alignmentSteps: z.int().positive().optional(),
  }),
  create: ({ select, threshold, lowest, alignmentSteps }, { model, data, spawn, steps, learningRate }) => {
    const copy = spawn("safelora-alignment");
    train(copy.model.trainable, { loss: () => ({ loss: copy.model.loss(data.proxy) }) }, {
      steps: alignmentSteps ?? steps,
      learningRate,
    });
    const bases = copy.model.adapted.map(outputBasis);
    copy.dispose();
    return {
      loss: () => ({ loss: model.loss(data.task) }),
      finish: () => {
        const { cosines, projected } = safeLoraProject(
          model.adapted,
          bases,
          select === "threshold" ? { threshold } : { lowest },
        );
        return {
          "safelora/projectedLayers": projected.length,
          ...Object.fromEntries(cosines.map((c, l) => [`safelora/cosine${l}`, c])),
        };
      },
    };
  },
});
