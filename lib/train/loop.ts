/**
 * The one training loop. A training run is a list of trainable variables and an `Objective` that builds the
 * loss for a step (and may transform its gradients, as gradient projection does); the loop owns the
 * optimiser, `tf.variableGrads`, disposal, divergence checks and callbacks. Every strategy plugs in here.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";

/** What a step computes: a scalar loss and optional scalar metrics (kept by the loop, then released). */
export interface StepOutput {
  loss: tf.Scalar;
  metrics?: Record<string, tf.Scalar>;
}

/** The loss of a training run, step by step. */
export interface Objective {
  /** Builds the loss for `step` (called inside `tf.variableGrads`; intermediate tensors are released). */
  loss(step: number): StepOutput;
  /** Optionally rewrites the gradients (keyed by variable name) before the optimiser applies them. */
  transformGradients?(grads: tf.NamedTensorMap, step: number): tf.NamedTensorMap;
}

/** What a callback sees after each step. */
export interface StepInfo {
  step: number;
  loss: number;
  metrics: Record<string, number>;
}

/** Hooks into the loop; `onStep` returning true stops training early. */
export interface TrainCallback {
  onStep?(info: StepInfo): boolean | void;
  onEnd?(result: TrainResult): void;
}

/** Optimiser settings. */
export interface TrainOptions {
  steps: number;
  learningRate: number;
  /** Multiplies the learning rate at each step (warm-up, cosine decay); default constant 1. */
  schedule?: (step: number) => number;
  /** Rescale gradients whose global L2 norm exceeds this (after any transform). */
  clipNorm?: number;
  /** Adam's β2 (default 0.999; transformers here use 0.98). */
  beta2?: number;
  callbacks?: TrainCallback[];
}

/** Linear warm-up then cosine decay to `floor` × the peak, as a `schedule`. */
export function warmupCosine(steps: number, warmup: number, floor = 0.05): (step: number) => number {
  return (step) => {
    if (step < warmup) return (step + 1) / warmup;
    const progress = (step - warmup) / Math.max(1, steps - warmup);
    return floor + (1 - floor) * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, progress)));
  };
}

/** Scales every gradient by min(1, maxNorm / global norm). */
export function clipByGlobalNorm(grads: tf.NamedTensorMap, maxNorm: number): tf.NamedTensorMap {
  return tf.tidy(() => {
    const norm = tf.sqrt(tf.addN(Object.values(grads).map((g) => tf.sum(tf.square(g)))));
    const scale = tf.minimum(1, tf.div(maxNorm, tf.add(norm, 1e-12)));
    return Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, tf.mul(g, scale)]));
  });
}

/** How a run ended. */
export interface TrainResult {
  /** Steps taken (fewer than asked when stopped early or diverged). */
  steps: number;
  finalLoss: number;
  /** True when the loss became NaN or infinite; the run stopped there. */
  diverged: boolean;
  /** Loss after every step. */
  losses: number[];
}

/** Trains `variables` to minimise `objective` with Adam; nothing but the variables' new values survives. */
export function train(variables: tf.Variable[], objective: Objective, options: TrainOptions): TrainResult {
  const optimizer = tf.train.adam(options.learningRate, 0.9, options.beta2 ?? 0.999);
  const losses: number[] = [];
  let diverged = false;
  try {
    for (let step = 0; step < options.steps; step++) {
      let metrics: Record<string, tf.Scalar> = {};
      const { value, grads } = tf.variableGrads(() => {
        const out = objective.loss(step);
        metrics = out.metrics ?? {};
        Object.values(metrics).forEach((m) => tf.keep(m));
        return out.loss;
      }, variables);
      let transformed = objective.transformGradients ? objective.transformGradients(grads, step) : grads;
      if (options.clipNorm !== undefined) {
        const clipped = clipByGlobalNorm(transformed, options.clipNorm);
        if (transformed !== grads) tf.dispose(transformed);
        transformed = clipped;
      }
      if (options.schedule) {
        // Adam reads its (type-protected) learning rate at every step, so a schedule can set it.
        (optimizer as unknown as { learningRate: number }).learningRate = options.learningRate *
          options.schedule(step);
      }
      const loss = value.dataSync()[0] as number;
      const metricValues = Object.fromEntries(
        Object.entries(metrics).map(([k, m]) => [k, m.dataSync()[0] as number]),
      );
      if (Number.isFinite(loss)) optimizer.applyGradients(transformed as Record<string, tf.Variable>);
      tf.dispose([value, metrics, grads, transformed]);
      losses.push(loss);
      if (!Number.isFinite(loss)) {
        diverged = true;
        break;
      }
      const info: StepInfo = { step, loss, metrics: metricValues };
      let stop = false;
      for (const cb of options.callbacks ?? []) stop = cb.onStep?.(info) === true || stop;
      if (stop) break;
    }
  } finally {
    optimizer.dispose();
  }
  const result: TrainResult = { steps: losses.length, finalLoss: losses.at(-1) ?? NaN, diverged, losses };
  for (const cb of options.callbacks ?? []) cb.onEnd?.(result);
  return result;
}
