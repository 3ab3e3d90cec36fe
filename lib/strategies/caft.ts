/**
 * Concept-ablation fine-tuning (CAFT; Casademunt et al. 2025) — our addition, not in the post.
 *
 * Directions are found without labels: train a copy of the model on the task alone, run it and the reference
 * on unlabeled inputs, and take per hidden layer the top-k principal directions U of the change in activations
 * h_naive − h_ref. Then fine-tune with those directions projected out of the activations,
 *
 *   h ← h − (h·U)·Uᵀ   (during training only),
 *
 * so the task must be learnt without the directions a naive fine-tune would use to generalise. Evaluation
 * runs the model without ablation.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { z } from "zod";
import { principalDirections } from "../models/linalg.ts";
import { naiveCopy } from "./naive.ts";
import { defineStrategy } from "./strategy.ts";

/** Task training with the naive fine-tune's main activation-change directions ablated. */
export const caft = defineStrategy({
  name: "caft",
  description:
    "ablate, during training, the top principal directions of the naive fine-tune's activation change",
  params: z.strictObject({
    /** Directions ablated per hidden layer. */
    directions: z.int().positive().default(2),
    /** Steps of the naive fine-tune that reveals the directions (default: the run's steps). */
    naiveSteps: z.int().positive().optional(),
  }),
  create: ({ directions, naiveSteps }, ctx) => {
    const { model, data, rngs } = ctx;
    const copy = naiveCopy(ctx, "caft-naive", naiveSteps);
    const naive = copy.model.hidden(data.unlabeled);
    const reference = model.hidden(data.unlabeled, { reference: true });
    copy.dispose();
    // Per member and hidden layer, the top principal directions U [width, k] of its own activation change.
    const bases = naive.map((h, l) => {
      const [members, n, width] = h.shape;
      const change = tf.tidy(() => tf.sub(h, reference[l]!).dataSync());
      const perMember = Array.from({ length: members }, (_, m) => {
        const rows = Array.from(
          { length: n },
          (_, i) => change.subarray((m * n + i) * width, (m * n + i + 1) * width),
        );
        const found = principalDirections(rows, directions, rngs[m]!.fork(`caft${l}`));
        const basis = new Float32Array(width * found.length);
        found.forEach((d, c) => d.forEach((x, j) => (basis[j * found.length + c] = x)));
        return basis;
      });
      const k = perMember[0]!.length / width;
      if (perMember.some((b) => b.length !== width * k)) {
        throw new Error(`Cannot stack CAFT directions of layer ${l}: members found different numbers`);
      }
      const values = new Float32Array(members * width * k);
      perMember.forEach((b, m) => values.set(b, m * width * k));
      return members === 1 ? tf.tensor2d(values, [width, k]) : tf.tensor3d(values, [members, width, k]);
    });
    tf.dispose([naive, reference]);
    return {
      loss: () => ({ loss: model.loss(data.task, { ablation: bases }) }),
      dispose: () => tf.dispose(bases),
    };
  },
});
