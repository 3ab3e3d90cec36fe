/**
 * Steering weights (original code): with P = ∇CE(proxy) − ∇CE(negative proxy) at the starting model,
 *
 *   weights: every step's gradient becomes g + α·P (so each step also descends the proxy loss and ascends
 *            the negative-proxy loss);
 *   at-end:  train on the task alone, then θ ← θ − α·P once.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { z } from "zod";
import { byName, gradientList } from "./gradients.ts";
import { defineStrategy } from "./strategy.ts";

/** Task training steered by the proxy-vs-negative gradient difference P. */
export const steering = defineStrategy({
  name: "steering",
  description:
    "add α·(∇proxy − ∇negative) to every gradient, or subtract it from the weights once at the end",
  params: z.strictObject({
    alpha: z.number().nonnegative().default(1),
    mode: z.enum(["weights", "at-end"]).default("weights"),
  }),
  create: ({ alpha, mode }, { model, data }) => {
    const positive = gradientList(model.trainable, () => model.loss(data.proxy));
    const negative = gradientList(model.trainable, () => model.loss(data.negativeProxy));
    const direction = positive.map((p, i) => tf.sub(p, negative[i]!));
    tf.dispose([positive, negative]);
    return {
      loss: () => ({ loss: model.loss(data.task) }),
      ...(mode === "weights"
        ? {
          transformGradients: (grads: tf.NamedTensorMap) =>
            tf.tidy(() =>
              byName(
                model.trainable,
                model.trainable.map((v, i) =>
                  tf.add(grads[v.name] ?? tf.zerosLike(v), tf.mul(direction[i]!, alpha))
                ),
              )
            ),
        }
        : {
          finish: () => {
            model.trainable.forEach((v, i) =>
              tf.tidy(() => v.assign(tf.sub(v, tf.mul(direction[i]!, alpha))))
            );
          },
        }),
      dispose: () => tf.dispose(direction),
    };
  },
});
