/**
 * Representation constraint: keep hidden states on proxy inputs close to the reference's,
 *
 *   L = CE(B_t) + β · R,   R = mean over layers l of MSE(h_l(θ), h_l(ref))   (or the sum, as the original code).
 *
 * The post describes a mean over layers and the original code sums; mean is our default, `reduction: sum`
 * gives the original. The reference's hidden states on the (fixed) proxy are constant, so the strategy computes
 * them once.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { z } from "zod";
import { stopGradient } from "./gradients.ts";
import { defineStrategy, type StrategyModel } from "./strategy.ts";

/**
 * The hidden-state penalty R on a batch, per member. `referenceHidden` (the reference's `hidden` on the same
 * batch) skips recomputing it.
 */
export function representationPenalty<B>(
  model: StrategyModel<B>,
  batch: B,
  reduction: "mean" | "sum",
  referenceHidden?: readonly tf.Tensor3D[],
): tf.Tensor1D {
  return tf.tidy(() => {
    const mine = model.hidden(batch);
    const reference = referenceHidden ?? model.hidden(batch, { reference: true });
    const perLayer = mine.map((h, l) =>
      tf.mean(tf.squaredDifference(h, stopGradient(reference[l]!)), [1, 2])
    );
    const total = tf.addN(perLayer);
    return (reduction === "mean" ? tf.div(total, perLayer.length) : total) as tf.Tensor1D;
  });
}

/** Task loss plus β times the hidden-state MSE to the reference on the proxy inputs. */
export const representation = defineStrategy({
  name: "representation",
  description: "CE(task) + β·MSE(hidden, reference hidden) on proxy inputs",
  params: z.strictObject({
    beta: z.number().nonnegative().default(1),
    reduction: z.enum(["mean", "sum"]).default("mean"),
  }),
  create: ({ beta, reduction }, { model, data }) => {
    const reference = model.hidden(data.proxy, { reference: true });
    return {
      loss: () => {
        const task = model.loss(data.task);
        const penalty = representationPenalty(model, data.proxy, reduction, reference);
        return {
          loss: tf.add(task, tf.mul(penalty, beta)) as tf.Tensor1D,
          metrics: { "loss/task": task, "representation/mse": penalty },
        };
      },
      dispose: () => tf.dispose(reference),
    };
  },
});
