/**
 * Mixed fine-tuning: cross-entropy over the union of task and proxy data, the proxy repeated `upsample` times:
 *
 *   L = (n_t · CE(T) + u · n_p · CE(A)) / (n_t + u · n_p).
 *
 * With full batches this is exactly the mean over the shuffled union T ∪ A (u copies of A) of the original
 * code; weighting the two means avoids materialising the union.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { z } from "zod";
import { defineStrategy } from "./strategy.ts";

/** Mixed task + proxy data. */
export const mixed = defineStrategy({
  name: "mixed",
  description: "cross-entropy over task ∪ proxy (proxy up-sampled u times)",
  params: z.strictObject({
    /** How many copies of the proxy data join the task data (1 = plain union). */
    upsample: z.number().positive().default(1),
  }),
  create: ({ upsample }, { model, data }) => {
    const nt = model.size(data.task), np = upsample * model.size(data.proxy);
    return {
      loss: () => {
        const task = model.loss(data.task), proxy = model.loss(data.proxy);
        const loss = tf.div(tf.add(tf.mul(task, nt), tf.mul(proxy, np)), nt + np) as tf.Tensor1D;
        return { loss, metrics: { "loss/task": task, "loss/proxy": proxy } };
      },
    };
  },
});
