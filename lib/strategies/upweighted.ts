/**
 * Up-weighted proxy loss, with an optional negative-proxy term (original code):
 *
 *   L = CE(B_t) + λ_p · CE(B_p) − λ_n · CE(B_n).
 *
 * λ_n = 0 is plain up-weighting. The negative term is unbounded below (it rewards making the undesired
 * answers ever less likely), as in the original; keep λ_n small.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { z } from "zod";
import { defineStrategy } from "./strategy.ts";

/** Task loss plus a weighted proxy loss, minus a weighted negative-proxy loss. */
export const upweighted = defineStrategy({
  name: "up-weighted",
  description: "CE(task) + λp·CE(proxy) − λn·CE(negative proxy)",
  params: z.strictObject({
    lambdaProxy: z.number().nonnegative().default(1),
    lambdaNegative: z.number().nonnegative().default(0),
  }),
  create: ({ lambdaProxy, lambdaNegative }, { model, data }) => ({
    loss: () => {
      const task = model.loss(data.task);
      const proxy = model.loss(data.proxy);
      let loss = tf.add(task, tf.mul(proxy, lambdaProxy));
      const metrics: Record<string, tf.Tensor1D> = { "loss/task": task, "loss/proxy": proxy };
      if (lambdaNegative > 0) {
        const negative = model.loss(data.negativeProxy);
        loss = tf.sub(loss, tf.mul(negative, lambdaNegative));
        metrics["loss/negative"] = negative;
      }
      return { loss: loss as tf.Tensor1D, metrics };
    },
  }),
});
