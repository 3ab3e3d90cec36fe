/**
 * The one training loop. A run is a model's trainable variables with M independent members (M = 1 for a
 * single model, whose variables need no member axis), and an `Objective` that returns one loss per member
 * for each step (and may transform the gradients, as gradient projection does). The loop differentiates the
 * sum of the losses (members share no weights, so each member's gradient is its own loss's), clips each
 * member's gradient norm, steps `MemberAdam` (exactly `tf.train.adam`, per member) with an optional
 * learning-rate schedule, and stops members one by one — on their own criterion, on a callback, or when their
 * loss diverges — while the rest go on. Each member gets the `TrainResult` it would get trained alone. Every
 * strategy, the toy stages and the language-model stages run through here.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { MemberAdam } from "./member_adam.ts";
import type { Objective } from "./objective.ts";

/** What a callback sees after each step of a single model. */
export interface StepInfo {
  step: number;
  loss: number;
  metrics: Record<string, number>;
}

/** Hooks into a single model's run (progress, curves, early stopping); `onStep` returning true stops it. */
export interface TrainCallback {
  onStep?(info: StepInfo): boolean | void;
  onEnd?(result: TrainResult): void;
}

/** Settings of a training run. */
export interface TrainOptions {
  /** The most steps a member takes. */
  steps: number;
  /** Adam's learning rate: one for every member, or one per member. */
  learningRate: number | readonly number[];
  /** Multiplies the learning rate at each step (warm-up, cosine decay); default constant 1. */
  schedule?: (step: number) => number;
  /** Rescales each member's gradient whose L2 norm over all variables exceeds this (after any transform). */
  clipNorm?: number;
  /** Adam's β2 (default 0.999; transformers here use 0.98). */
  beta2?: number;
  /**
   * Asked at the start of each step for every running member, with its losses so far and this step's metrics
   * (measured on the weights after its last update): true ends the member there, before this step's update.
   */
  stopMember?(member: number, losses: readonly number[], metrics: Record<string, number>): boolean;
  /**
   * A single model's hooks, called after each step's update (a member of an ensemble has no single loss to
   * report, so these need M = 1); `onStep` returning true stops the run there.
   */
  callbacks?: TrainCallback[];
  /** Called after each step with which members are still training (any M). */
  onStep?(step: number, running: readonly boolean[]): void;
}

/** How a run ended, for one member. */
export interface TrainResult {
  /** Steps taken (fewer than asked when stopped early or diverged). */
  steps: number;
  finalLoss: number;
  /** True when the loss became NaN, infinite or exploded (see `EXPLOSION`); the member stopped there, without that step's update. */
  diverged: boolean;
  /** Loss after every step. */
  losses: number[];
}

/** Linear warm-up then cosine decay to `floor` × the peak, as a `schedule`. */
export function warmupCosine(steps: number, warmup: number, floor = 0.05): (step: number) => number {
  return (step) => {
    if (step < warmup) return (step + 1) / warmup;
    const progress = (step - warmup) / Math.max(1, steps - warmup);
    return floor + (1 - floor) * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, progress)));
  };
}

/**
 * Scales each member's gradients by min(1, maxNorm / its norm over every variable). With `members` = 1 (the
 * default) that is the global norm of all the gradients, and no tensor needs a member axis; with M > 1 every
 * tensor leads with the member axis and no member's norm sees another's gradients.
 */
export function clipByGlobalNorm(grads: tf.NamedTensorMap, maxNorm: number, members = 1): tf.NamedTensorMap {
  return tf.tidy(() => {
    const squares = Object.values(grads).map((g) =>
      members === 1 ? tf.sum(tf.square(g)) : tf.sum(tf.reshape(tf.square(g), [members, -1]), 1)
    );
    const norm = tf.sqrt(tf.addN(squares)); // [] for one member, [M] for M
    const scale = tf.minimum(1, tf.div(maxNorm, tf.add(norm, 1e-12)));
    const like = (g: tf.Tensor) =>
      members === 1 ? scale : tf.reshape(scale, [members, ...Array<number>(g.rank - 1).fill(1)]);
    return Object.fromEntries(Object.entries(grads).map(([k, g]) => [k, tf.mul(g, like(g))]));
  });
}

/**
 * Trains a model's members on `objective` with Adam; one `TrainResult` per member, each what the member would
 * get trained alone. Nothing but the variables' new values survives.
 */
export function trainMembers(
  model: { members: number; trainable: tf.Variable[] },
  objective: Objective,
  options: TrainOptions,
): TrainResult[] {
  const { members, trainable: variables } = model;
  const callbacks = options.callbacks ?? [];
  if (callbacks.length > 0 && members !== 1) {
    throw new Error(`Cannot report per-step callbacks for ${members} members: use stopMember or onStep`);
  }
  const optimizer = new MemberAdam(variables, {
    learningRate: options.learningRate,
    members,
    beta2: options.beta2 ?? 0.999,
  });
  const running = Array<boolean>(members).fill(true);
  const diverged = Array<boolean>(members).fill(false);
  const losses: number[][] = Array.from({ length: members }, () => []);
  try {
    for (let step = 0; step < options.steps && running.some(Boolean); step++) {
      let loss: tf.Tensor1D | undefined;
      let metrics: Record<string, tf.Tensor1D> = {};
      const { value, grads } = tf.variableGrads(() => {
        const out = objective.loss(step);
        loss = tf.keep(out.loss);
        metrics = out.metrics ?? {};
        Object.values(metrics).forEach((m) => tf.keep(m));
        return tf.sum(out.loss) as tf.Scalar;
      }, variables);
      if (loss!.size !== members) {
        const shape = loss!.shape;
        tf.dispose([value, loss!, metrics, grads]);
        throw new Error(`Cannot train ${members} members: the objective's loss has shape [${shape}]`);
      }
      const lossValues = loss!.dataSync();
      const metricValues = Object.entries(metrics).map(([k, m]) => [k, m.dataSync()] as const);
      const memberMetrics = (m: number) => Object.fromEntries(metricValues.map(([k, v]) => [k, v[m]!]));
      let took = false;
      for (let m = 0; m < members; m++) {
        if (!running[m]) continue;
        if (options.stopMember?.(m, losses[m]!, memberMetrics(m))) {
          running[m] = false;
          continue;
        }
        took = true;
        losses[m]!.push(lossValues[m]!);
        if (exploded(losses[m]!)) {
          diverged[m] = true;
          running[m] = false;
        }
      }
      // The transform sees every step a member took, its diverging one included (as the member alone would).
      if (took) {
        let transformed = objective.transformGradients ? objective.transformGradients(grads, step) : grads;
        if (options.clipNorm !== undefined) {
          const clipped = clipByGlobalNorm(transformed, options.clipNorm, members);
          if (transformed !== grads) tf.dispose(transformed);
          transformed = clipped;
        }
        optimizer.apply(transformed, { active: running, scale: options.schedule?.(step) ?? 1 });
        if (transformed !== grads) tf.dispose(transformed);
      }
      tf.dispose([value, loss!, metrics, grads]);
      if (callbacks.length > 0 && running[0]) {
        const info: StepInfo = { step, loss: lossValues[0]!, metrics: memberMetrics(0) };
        let stop = false;
        for (const cb of callbacks) stop = cb.onStep?.(info) === true || stop;
        if (stop) running[0] = false;
      }
      options.onStep?.(step, running);
    }
  } finally {
    optimizer.dispose();
  }
  const results = losses.map((l, m): TrainResult => ({
    steps: l.length,
    finalLoss: l.at(-1) ?? NaN,
    diverged: diverged[m]!,
    losses: l,
  }));
  for (const cb of callbacks) cb.onEnd?.(results[0]!);
  return results;
}

/**
 * A member has diverged when its loss is not finite or has risen past `EXPLOSION` times its first value (or
 * past `EXPLOSION` for a first loss below 1): no run that learns comes near that. Only a rise counts: a loss
 * that falls without bound is an objective doing what it says (gradient ascent on a negative proxy drives its
 * term to −∞ while the classifier stays right).
 */
export const EXPLOSION = 1000;

function exploded(losses: readonly number[]): boolean {
  const last = losses.at(-1)!;
  return !Number.isFinite(last) || last > EXPLOSION * Math.max(Math.abs(losses[0]!), 1);
}
