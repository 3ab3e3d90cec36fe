/**
 * The training loop for ensembles: one program steps M members at once. The objective returns one loss per
 * member; the loop differentiates their sum (members share no weights, so each member's gradient is its own
 * loss's), applies `MemberAdam`, and stops members one by one — on their own criterion or when their loss
 * diverges — while the rest go on. Each member gets the `TrainResult` it would get from `train` alone.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { TrainResult } from "./loop.ts";
import { MemberAdam } from "./member_adam.ts";

/** What an ensemble step computes: per-member losses [M] and optional per-member metrics [M]. */
export interface EnsembleStepOutput {
  perMember: tf.Tensor1D;
  metrics?: Record<string, tf.Tensor1D>;
}

/** The losses of an ensemble training run, step by step. */
export interface EnsembleObjective {
  /** Builds the per-member losses for `step` (inside `tf.variableGrads`). */
  loss(step: number): EnsembleStepOutput;
  /** Optionally rewrites the gradients (per member, never across members) before the optimiser applies them. */
  transformGradients?(grads: tf.NamedTensorMap, step: number): tf.NamedTensorMap;
}

/** Optimiser settings of an ensemble run. */
export interface EnsembleTrainOptions {
  steps: number;
  /** One learning rate for all members, or one per member. */
  learningRate: number | readonly number[];
  beta2?: number;
  /**
   * Asked at the start of each step for every running member, with its losses so far and this step's metrics
   * (measured on the weights after its last update): true ends the member there, before this step's update.
   */
  stopMember?(member: number, losses: readonly number[], metrics: Record<string, number>): boolean;
  /** Called after each step's update with which members are still training. */
  onStep?(step: number, running: readonly boolean[]): void;
}

/** Trains stacked `variables` ([M, …] each); returns one result per member. */
export function trainEnsemble(
  variables: tf.Variable[],
  objective: EnsembleObjective,
  options: EnsembleTrainOptions,
): TrainResult[] {
  const members = variables[0]?.shape[0];
  if (!members || variables.some((v) => v.shape[0] !== members)) {
    throw new Error("Cannot train an ensemble: every variable needs the same leading member axis");
  }
  const optimizer = new MemberAdam(variables, options.learningRate, 0.9, options.beta2 ?? 0.999);
  const running = Array<boolean>(members).fill(true);
  const diverged = Array<boolean>(members).fill(false);
  const losses: number[][] = Array.from({ length: members }, () => []);
  try {
    for (let step = 0; step < options.steps && running.some(Boolean); step++) {
      let kept: tf.Tensor1D[] = [];
      let metrics: Record<string, tf.Tensor1D> = {};
      let perMember: tf.Tensor1D | undefined;
      const { value, grads } = tf.variableGrads(() => {
        const out = objective.loss(step);
        perMember = tf.keep(out.perMember);
        metrics = out.metrics ?? {};
        kept = Object.values(metrics).map((m) => tf.keep(m));
        return tf.sum(out.perMember) as tf.Scalar;
      }, variables);
      const lossValues = perMember!.dataSync();
      const metricValues = Object.entries(metrics).map(([k, m]) => [k, m.dataSync()] as const);
      for (let m = 0; m < members; m++) {
        if (!running[m]) continue;
        const mine = Object.fromEntries(metricValues.map(([k, v]) => [k, v[m]!]));
        if (options.stopMember?.(m, losses[m]!, mine)) {
          running[m] = false;
          continue;
        }
        losses[m]!.push(lossValues[m]!);
        if (!Number.isFinite(lossValues[m]!)) {
          diverged[m] = true;
          running[m] = false;
        }
      }
      if (running.some(Boolean)) {
        const transformed = objective.transformGradients ? objective.transformGradients(grads, step) : grads;
        optimizer.apply(transformed, running);
        if (transformed !== grads) tf.dispose(transformed);
      }
      tf.dispose([value, perMember!, ...kept, grads]);
      options.onStep?.(step, running);
    }
  } finally {
    optimizer.dispose();
  }
  return losses.map((l, m) => ({
    steps: l.length,
    finalLoss: l.at(-1) ?? NaN,
    diverged: diverged[m]!,
    losses: l,
  }));
}
