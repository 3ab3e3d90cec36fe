/**
 * Gradient projection (original code): per parameter tensor, remove from the task gradient its component
 * along the alignment (proxy-loss) gradient g_a, and apply only the projected task gradient:
 *
 *   g_t ← g_t − γ · (⟨g_t, g_a⟩ / (‖g_a‖² + 1e-16)) · g_a.
 *
 * γ (`strength`, 1 in the original) is our addition, so that the method has a strength to sweep: 0 is the
 * task-only fine-tune, 1 removes the whole component, and above 1 the step also descends the proxy loss
 * (γ = 2 reflects g_t through the plane orthogonal to g_a).
 *
 * Modes: `always` (g_a from the current proxy batch, every step); `conflict` (only when ⟨g_t, g_a⟩ < 0, so
 * non-conflicting gradients pass unchanged); `precomputed` (g_a = the mean proxy gradient over
 * `precomputeSteps` steps of proxy training on a copy of the starting model, fixed for the run).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { z } from "zod";
import { byName, gradientList, meanGradientWhileTraining, projectOut } from "./gradients.ts";
import { defineStrategy } from "./strategy.ts";

/** Task gradient with its component along the proxy gradient removed. */
export const gradientProjection = defineStrategy({
  name: "gradient-projection",
  description:
    "project the task gradient orthogonal to the proxy gradient (always, on conflict, or precomputed)",
  params: z.strictObject({
    mode: z.enum(["always", "conflict", "precomputed"]).default("always"),
    /** Proxy-training steps averaged for the precomputed gradient (one epoch in the original). */
    precomputeSteps: z.int().positive().default(10),
    /** γ: how much of the component along g_a is removed (1: all of it, as the original). */
    strength: z.number().nonnegative().default(1),
  }),
  create: ({ mode, precomputeSteps, strength }, { model, data, spawn, learningRate }) => {
    let fixed: tf.Tensor[] | undefined;
    if (mode === "precomputed") {
      const copy = spawn("projection");
      fixed = meanGradientWhileTraining(
        copy.model,
        () => copy.model.loss(data.proxy),
        precomputeSteps,
        learningRate,
      );
      copy.dispose();
    }
    return {
      loss: () => ({ loss: model.loss(data.task) }),
      transformGradients(grads) {
        const alignment = fixed ?? gradientList(model.trainable, () => model.loss(data.proxy));
        const projected = tf.tidy(() =>
          model.trainable.map((v, i) =>
            projectOut(
              grads[v.name] ?? tf.zerosLike(v),
              alignment[i]!,
              mode === "conflict",
              model.members,
              strength,
            )
          )
        );
        if (!fixed) tf.dispose(alignment);
        return byName(model.trainable, projected);
      },
      dispose: () => tf.dispose(fixed ?? []),
    };
  },
});
