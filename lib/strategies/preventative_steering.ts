/**
 * Preventative steering (Chen, Arditi, Sleight, Evans and Lindsey 2025, "Persona Vectors: Monitoring and
 * Controlling Character Traits in Language Models"): during fine-tuning add α·v at a hidden layer ℓ, with v the
 * direction along which activations express the disposition, and remove it at test time. The steering already
 * supplies the push along v that the task's data asks for, so the gradient need not move the weights along it,
 * and the deployed model (unsteered) does not carry the disposition:
 *
 *   L(θ) = CE(task; h_ℓ ← h_ℓ + α·v_ℓ),   evaluated with h_ℓ unchanged.
 *
 * v_ℓ, from the proxy (responses without the disposition) and the negative proxy (with it):
 *
 *   mean-difference (as published): v_ℓ = mean over negative-proxy responses of the response's mean h_ℓ − the
 *     same over proxy responses, the states at the response's own tokens; a language model's states read the
 *     response, so the two differ;
 *   gradient (ours, for models whose hidden states do not see the answer, such as the toy classifier, where the
 *     mean difference is 0): v_ℓ ∝ ∂[CE(proxy) − CE(negative proxy)]/∂h_ℓ averaged over positions, the shift of
 *     the activations that most raises the disposition's answers against the desired ones, scaled to the root
 *     mean square norm of the layer's proxy activations, so α is in units of a typical activation.
 *
 * Deviations: the paper builds v from responses its model generates under contrastive system prompts and
 * scored by a judge; ours are the proxy's and the negative proxy's given answers. It steers one chosen middle
 * layer (or every layer with per-layer increments); we steer one layer, the last hidden one by default (`layer`),
 * for our models have two. α = 0 is the task-only run.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { z } from "zod";
import { defineStrategy, type StrategyData, type StrategyModel } from "./strategy.ts";

/** How the disposition's direction is read. */
export type SteeringDirection = "mean-difference" | "gradient";

/** The layer index `layer` names among `count` hidden layers (negative counts from the end). */
function layerIndex(layer: number, count: number): number {
  const index = layer < 0 ? count + layer : layer;
  if (index < 0 || index >= count) {
    throw new Error(
      `Cannot steer layer ${layer}: the model has ${count} hidden layers (give 0 … ${count - 1})`,
    );
  }
  return index;
}

/** Each member's mean over its rows (positions or examples): [M, n, width] → [M, width]. */
function meanOverRows(h: tf.Tensor3D): tf.Tensor2D {
  return tf.mean(h, 1) as tf.Tensor2D;
}

/**
 * The disposition's direction v per member, [M, width], at hidden layer `layer` (negative counts from the end),
 * read by `how` (see the module's header), with the layer's index.
 */
export function dispositionDirection<B>(
  model: StrategyModel<B>,
  data: Pick<StrategyData<B>, "proxy" | "negativeProxy">,
  layer: number,
  how: SteeringDirection,
): { v: tf.Tensor2D; index: number } {
  const proxyHidden = how === "mean-difference" ? model.responseHidden(data.proxy) : model.hidden(data.proxy);
  try {
    const index = layerIndex(layer, proxyHidden.length);
    const v = how === "mean-difference"
      ? meanDifference(model, data, proxyHidden[index]!, index)
      : gradientDirection(model, data, proxyHidden[index]!, index);
    const sizes = tf.tidy(() => tf.max(tf.abs(v), 1).arraySync() as number[]);
    if (sizes.some((x) => !(x > 0))) {
      v.dispose();
      throw new Error(
        `Cannot steer along the ${how} direction: it is 0 for a member` +
          (how === "mean-difference"
            ? " (the model's hidden states do not see the answer, as in a classifier); give direction: gradient"
            : " (its proxy and negative proxy losses do not depend on the layer)"),
      );
    }
    return { v, index };
  } finally {
    tf.dispose(proxyHidden);
  }
}

/** v: the mean over negative-proxy responses of each response's mean state − the same over the proxy's. */
function meanDifference<B>(
  model: StrategyModel<B>,
  data: Pick<StrategyData<B>, "negativeProxy">,
  proxyResponses: tf.Tensor3D,
  index: number,
): tf.Tensor2D {
  const negative = model.responseHidden(data.negativeProxy);
  const v = tf.tidy(() => tf.sub(meanOverRows(negative[index]!), meanOverRows(proxyResponses)));
  tf.dispose(negative);
  return v as tf.Tensor2D;
}

function gradientDirection<B>(
  model: StrategyModel<B>,
  data: Pick<StrategyData<B>, "proxy" | "negativeProxy">,
  proxyActivations: tf.Tensor3D,
  index: number,
): tf.Tensor2D {
  return tf.tidy(() => {
    const [members, , width] = proxyActivations.shape;
    const at = (shift: tf.Tensor) =>
      Array.from({ length: index + 1 }, (_, i) => (i === index ? shift : null));
    const gap = (shift: tf.Tensor) =>
      tf.sum(
        tf.sub(
          model.loss(data.proxy, { steer: at(shift) }),
          model.loss(data.negativeProxy, { steer: at(shift) }),
        ),
      );
    const g = tf.grad(gap)(tf.zeros([members, width]));
    const rms = tf.sqrt(tf.mean(tf.sum(tf.square(proxyActivations), 2), 1, true));
    return tf.mul(tf.div(g, tf.add(tf.norm(g, "euclidean", 1, true), 1e-12)), rms) as tf.Tensor2D;
  });
}

/** Task training with α·v added at one hidden layer, removed at test time. */
export const preventativeSteering = defineStrategy({
  name: "preventative-steering",
  description:
    "add α·v (the disposition's activation direction) at a hidden layer while training, not at test",
  params: z.strictObject({
    /** α: the steering strength (0: the task-only run). */
    alpha: z.number().nonnegative().default(1),
    /** The hidden layer steered; negative counts from the end (−1: the last). */
    layer: z.int().default(-1),
    /** How v is read: the published mean difference of hidden states, or the activation gradient. */
    direction: z.enum(["mean-difference", "gradient"]).default("gradient"),
  }),
  create: ({ alpha, layer, direction }, { model, data }) => {
    const { v, index } = dispositionDirection(model, data, layer, direction);
    const shift = tf.tidy(() => tf.mul(v, alpha));
    v.dispose();
    const steer = Array.from({ length: index + 1 }, (_, i) => (i === index ? shift : null));
    return {
      loss: () => ({ loss: model.loss(data.task, { steer }) }),
      dispose: () => shift.dispose(),
    };
  },
});
