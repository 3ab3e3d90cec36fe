/**
 * KL penalty to the reference on proxy inputs (original code, forward direction, temperature 1):
 *
 *   L = CE(B_t) + β · mean over proxy positions of KL(p_θ ‖ p_ref),   KL(p ‖ q) = Σ_c p_c (log p_c − log q_c).
 *
 * Deviation: the original averaged over padded positions too; `outputLogProbs` returns only scored positions,
 * so ours is a properly masked mean. The proxy's labels are not used. The reference's distribution on the
 * (fixed) proxy is constant, so the strategy computes it once.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { z } from "zod";
import { stopGradient } from "./gradients.ts";
import { defineStrategy, type StrategyModel, type ViewOptions } from "./strategy.ts";

/**
 * Mean forward KL(p_θ ‖ p_ref) over the batch's positions, per member. `referenceLogProbs` (the reference's
 * `outputLogProbs` on the same batch) skips recomputing it.
 */
export function klToReference<B>(
  model: StrategyModel<B>,
  batch: B,
  options: ViewOptions = {},
  referenceLogProbs?: tf.Tensor3D,
): tf.Tensor1D {
  return tf.tidy(() => {
    const logP = model.outputLogProbs(batch, options);
    const logQ = referenceLogProbs ??
      stopGradient(model.outputLogProbs(batch, { ...options, reference: true }));
    return tf.mean(tf.sum(tf.mul(tf.exp(logP), tf.sub(logP, logQ)), 2), 1) as tf.Tensor1D;
  });
}

/** Task loss plus β times the KL to the reference on the proxy inputs. */
export const kl = defineStrategy({
  name: "kl",
  description: "CE(task) + β·KL(p_θ ‖ p_ref) on proxy inputs",
  params: z.strictObject({ beta: z.number().nonnegative().default(1) }),
  create: ({ beta }, { model, data }) => {
    const reference = model.outputLogProbs(data.proxy, { reference: true });
    return {
      loss: () => {
        const task = model.loss(data.task);
        const divergence = klToReference(model, data.proxy, {}, reference);
        return {
          loss: tf.add(task, tf.mul(divergence, beta)) as tf.Tensor1D,
          metrics: { "loss/task": task, kl: divergence },
        };
      },
      dispose: () => reference.dispose(),
    };
  },
});
