/**
 * Representation constraint: keep hidden states on proxy inputs close to the reference's,
 *
 *   L = CE(B_t) + β · R,   R = mean over layers l of MSE(h_l(θ), h_l(ref))   (or the sum, as the original code).
 *
 * The post describes a mean over layers and the original code sums; mean is our default, `reduction: sum`
 * gives the original.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { z } from "zod";
import { stopGradient } from "./gradients.ts";
import { defineStrategy, type StrategyModel } from "./strategy.ts";

/** The hidden-state penalty R on a batch. */
export function representationPenalty<B>(
  model: StrategyModel<B>,
  batch: B,
  reduction: "mean" | "sum",
): tf.Tensor1D {
  return tf.tidy(() => {
    const mine = model.hidden(batch);
    const reference = model.hidden(batch, { reference: true });
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
  create: ({ beta, reduction }, { model, data }) => ({
    loss: () => {
      const task = model.loss(data.task);
      const penalty = representationPenalty(model, data.proxy, reduction);
      return {
        loss: tf.add(task, tf.mul(penalty, beta)) as tf.Tensor1D,
        metrics: { "loss/task": task, "representation/mse": penalty },
      };
    },
  }),
});
