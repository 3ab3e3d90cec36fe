/**
 * DPO on proxy preference pairs plus the task loss (Rafailov et al. 2023, eq. 7; original code):
 *
 *   L = CE(B_t) + λ · mean[ −log σ( β · ((c_θ − c_ref) − (r_θ − r_ref)) ) ],
 *
 * chosen = the proxy answer, rejected = the negative-proxy answer (paired by index), c and r the mean
 * log-probability of each response. At θ = ref the DPO term is λ · log 2. Reference log-probabilities are
 * constant, so they are computed once.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { z } from "zod";
import { defineStrategy, type StrategyModel } from "./strategy.ts";

/** The mean DPO loss of (chosen, rejected) pairs given the reference's log-probabilities. */
export function dpoLoss<B>(
  model: StrategyModel<B>,
  chosen: B,
  rejected: B,
  reference: { chosen: tf.Tensor2D; rejected: tf.Tensor2D },
  beta: number,
): tf.Tensor1D {
  return tf.tidy(() => {
    const margin = tf.sub(
      tf.sub(model.responseLogProb(chosen), reference.chosen),
      tf.sub(model.responseLogProb(rejected), reference.rejected),
    );
    return tf.mean(tf.softplus(tf.neg(tf.mul(margin, beta))), 1) as tf.Tensor1D; // −log σ(z) = softplus(−z)
  });
}

/** Task loss plus λ times DPO on (proxy, negative proxy) pairs. */
export const dpo = defineStrategy({
  name: "dpo",
  description: "CE(task) + λ·DPO(chosen = proxy answer, rejected = negative-proxy answer)",
  params: z.strictObject({
    beta: z.number().positive().default(0.1),
    lambda: z.number().nonnegative().default(1),
  }),
  create: ({ beta, lambda }, { model, data }) => {
    const reference = {
      chosen: model.responseLogProb(data.proxy, { reference: true }),
      rejected: model.responseLogProb(data.negativeProxy, { reference: true }),
    };
    return {
      loss: () => {
        const task = model.loss(data.task);
        const preference = dpoLoss(model, data.proxy, data.negativeProxy, reference, beta);
        return {
          loss: tf.add(task, tf.mul(preference, lambda)) as tf.Tensor1D,
          metrics: { "loss/task": task, "loss/dpo": preference },
        };
      },
      dispose: () => tf.dispose([reference.chosen, reference.rejected]),
    };
  },
});
