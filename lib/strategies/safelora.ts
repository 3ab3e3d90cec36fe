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
import { orthonormalize } from "../models/linalg.ts";
import { trainMembers } from "../train/loop.ts";
import { type AdaptedLayer, defineStrategy } from "./strategy.ts";

/** A layer's adapter factors, one member's at a time: B as [r, out] rows and A as a tensor [in, r]. */
function memberFactors(
  layer: AdaptedLayer,
): { rank: number; width: number; members: number; b: Float32Array } {
  if (!layer.lora) throw new Error(`Cannot take the alignment subspace of ${layer.name}: it has no adapter`);
  const [rank, width] = layer.lora.b.shape.slice(-2) as [number, number];
  const b = layer.lora.b.dataSync() as Float32Array;
  return { rank, width, members: b.length / (rank * width), b };
}

/**
 * Per member, an orthonormal basis of the output directions of its adapter update A·B: the span of B's rows
 * (one basis for a single model, M for an ensemble's stacked adapters).
 */
export function outputBases(layer: AdaptedLayer): Float64Array[][] {
  const { rank, width, members, b } = memberFactors(layer);
  return Array.from({ length: members }, (_, m) =>
    orthonormalize(
      Array.from({ length: rank }, (_, r) => b.subarray((m * rank + r) * width, (m * rank + r + 1) * width)),
    ));
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

/** cos(vec(A·B'), vec(A·B)) for member m's adapter of a layer and a candidate B' [r, out]. */
function updateCosine(layer: AdaptedLayer, m: number, projected: Float32Array): number {
  const lora = layer.lora!;
  return tf.tidy(() => {
    const own = (t: tf.Tensor) =>
      t.rank === 2 ? t as tf.Tensor2D : tf.squeeze(tf.slice(t, [m, 0, 0], [1, -1, -1]), [0]) as tf.Tensor2D;
    const a = own(lora.a), b = own(lora.b);
    const before = tf.matMul(a, b);
    const after = tf.matMul(a, tf.tensor(projected, b.shape));
    const dot = tf.sum(tf.mul(before, after)).dataSync()[0]!;
    const norms = tf.norm(before).dataSync()[0]! * tf.norm(after).dataSync()[0]!;
    return norms > 0 ? dot / norms : 0;
  });
}

/** Which layers to project: those at or below a cosine threshold, or the n lowest. */
export type SafeLoraSelection = { threshold: number } | { lowest: number };

/**
 * Projects the selected layers' B in place, each member on its own: `bases[l][m]` is layer l's alignment basis
 * for member m. Returns, per member, each layer's cosine and the projected layer indices.
 */
export function safeLoraProject(
  layers: readonly AdaptedLayer[],
  bases: readonly Float64Array[][][],
  selection: SafeLoraSelection,
): { cosines: number[]; projected: number[] }[] {
  const factors = layers.map(memberFactors);
  const edited = factors.map((f) => Float32Array.from(f.b));
  const members = factors[0]?.members ?? 0;
  const out = Array.from({ length: members }, (_, m) => {
    const candidates = layers.map((layer, l) => {
      const { rank, width, b } = factors[l]!;
      const own = b.subarray(m * rank * width, (m + 1) * rank * width);
      const projectedB = projectRows(own, width, bases[l]![m]!);
      return { l, projectedB, cosine: updateCosine(layer, m, projectedB) };
    });
    const chosen = "threshold" in selection
      ? candidates.filter((c) => c.cosine <= selection.threshold)
      : [...candidates].sort((a, b) => a.cosine - b.cosine).slice(0, selection.lowest);
    for (const c of chosen) edited[c.l]!.set(c.projectedB, m * c.projectedB.length);
    return {
      cosines: candidates.map((c) => c.cosine),
      projected: chosen.map((c) => c.l).sort((a, b) => a - b),
    };
  });
  layers.forEach((layer, l) => {
    const b = layer.lora!.b;
    if (out.some((o) => o.projected.includes(l))) tf.tidy(() => b.assign(tf.tensor(edited[l]!, b.shape)));
  });
  return out;
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
    trainMembers(copy.model, { loss: () => ({ loss: copy.model.loss(data.proxy) }) }, {
      steps: alignmentSteps ?? steps,
      learningRate,
    });
    const bases = copy.model.adapted.map(outputBases);
    copy.dispose();
    return {
      loss: () => ({ loss: model.loss(data.task) }),
      finish: () =>
        safeLoraProject(model.adapted, bases, select === "threshold" ? { threshold } : { lowest }).map((
          { cosines, projected },
        ) => ({
          "safelora/projectedLayers": projected.length,
          ...Object.fromEntries(cosines.map((c, l) => [`safelora/cosine${l}`, c])),
        })),
    };
  },
});
