/**
 * The toy's stages run as ensembles: stage 1 trains every seed's base in one program (one program per seed on
 * WASM, see `trainBases`), and stages 2–3 train every condition of a seed as one ensemble of LoRA
 * adapters on that seed's frozen base. Each member gives the numbers `trainBase` / `fineTune` give alone (same
 * initialisation, same data, same optimiser arithmetic; a test checks it).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import {
  adaptEnsemble,
  type ClassifierEnsemble,
  createEnsemble,
  disposeEnsemble,
  disposeEnsembleBatch,
  type EnsembleBatch,
  ensembleForward,
  ensemblePredict,
  ensembleVariables,
  memberBatch,
  memberClassifier,
  memberCorrect,
  memberCrossEntropy,
  sharedBatch,
} from "../models/ensemble.ts";
import type { Classifier } from "../models/mlp.ts";
import {
  type Condition,
  conditionId,
  fineTuneRows,
  heldOutRows,
  scorePredictions,
  type SeedRows,
  type ToyEvaluation,
  toyInputValues,
} from "../data/toy_world.ts";
import { trainMembers, type TrainResult } from "./loop.ts";
import { type CurvePoint, type SeedData, type ToyContext, toyInputs } from "./toy_stages.ts";

/**
 * Stage 1 for several seeds as one ensemble: one base per seed, each stopping on its own criterion. The toy
 * plans one job per seed, so a job trains a one-member ensemble: bases stop at different steps (128–261 here)
 * and have 1,400 rows, and on WASM two seeds stacked took 8.7 s against 5.4 s one by one.
 */
export function trainBases(
  ctx: ToyContext,
  seeds: readonly SeedRows[],
): { model: Classifier; result: TrainResult }[] {
  const { config } = ctx;
  if (seeds.length === 0) return [];
  const ensemble = createEnsemble(
    ctx.inputWidth,
    ctx.triggers.colours.length,
    config.model,
    seeds.map((d) => d.rng.fork("init")),
  );
  const batch = memberBatch(
    ensemble,
    seeds.map((d) => toyInputValues(ctx, d.baseRows)),
    seeds.map((d) => d.baseRows.labels),
  );
  try {
    const results = trainMembers({ members: ensemble.members, trainable: ensembleVariables(ensemble) }, {
      loss: () => {
        const logits = ensembleForward(ensemble, batch).logits;
        return {
          loss: memberCrossEntropy(logits, batch.targets!),
          metrics: { correct: memberCorrect(logits, batch.targets!) },
        };
      },
    }, {
      steps: config.base.maxSteps,
      learningRate: config.base.learningRate,
      // `trainBase` stops after the update whose loss fell below stopLoss once the new weights fit every row.
      stopMember: (m, losses, { correct }) =>
        losses.length > 0 && losses.at(-1)! < config.base.stopLoss && correct === batch.sizes[m],
    });
    return results.map((result, m) => ({ model: memberClassifier(ensemble, m), result }));
  } finally {
    disposeEnsembleBatch(batch);
    disposeEnsemble(ensemble);
  }
}

/** One fine-tune of a batch: what `fineTune` returns, plus its final evaluation under the flipped rule. */
export interface FineTuned {
  condition: Condition;
  result: TrainResult;
  proxyTriggers: string[];
  curve: CurvePoint[];
  evaluation: ToyEvaluation;
  /** The fine-tuned model as a standalone classifier on `base` (the caller releases it). */
  classifier(): Classifier;
}

/**
 * Stages 2–3 for several conditions of one seed at once: LoRA ensembles on the seed's frozen base. Call
 * `release` on the result when done with its classifiers.
 */
export function fineTuneConditions(
  ctx: ToyContext,
  data: SeedData,
  base: Classifier,
  conditions: readonly Condition[],
): { runs: FineTuned[]; release(): void } {
  const { config } = ctx;
  if (conditions.length === 0) return { runs: [], release: () => {} };
  const planned = conditions.map((c) => ({ condition: c, ...fineTuneRows(ctx, data, c) }));
  const ensemble = adaptEnsemble(
    [base],
    config.fineTune.lora,
    conditions.map((c) => data.rng.fork(`lora/${conditionId(c)}`)),
  );
  const batch = memberBatch(
    ensemble,
    planned.map((p) => toyInputValues(ctx, p.rows)),
    planned.map((p) => p.rows.labels),
  );
  const curves: CurvePoint[][] = conditions.map(() => []);
  const every = config.fineTune.curveEvery;
  const heldOut = every > 0 ? heldOutBatch(ctx, data, ensemble) : undefined;
  const record = (step: number) => {
    const predictions = ensemblePredict(ensemble, heldOut!.batch);
    predictions.forEach((p, m) => curves[m]!.push({ step, heldOut: heldOut!.score(p).heldOut }));
  };
  try {
    if (heldOut) record(0);
    const results = trainMembers({ members: ensemble.members, trainable: ensembleVariables(ensemble) }, {
      loss: () => ({
        loss: memberCrossEntropy(ensembleForward(ensemble, batch).logits, batch.targets!),
      }),
    }, {
      steps: config.fineTune.steps,
      learningRate: config.fineTune.learningRate,
      onStep: (step) => {
        if (heldOut && ((step + 1) % every === 0 || step + 1 === config.fineTune.steps)) record(step + 1);
      },
    });
    const evalBatch = sharedBatch(ensemble, data.evalInputs.clone());
    const predictions = ensemblePredict(ensemble, evalBatch);
    disposeEnsembleBatch(evalBatch);
    const made: Classifier[] = [];
    const runs = planned.map((p, m): FineTuned => ({
      condition: p.condition,
      result: results[m]!,
      proxyTriggers: p.proxyTriggers,
      curve: curves[m]!,
      evaluation: scorePredictions(ctx, data, predictions[m]!, true),
      classifier: () => {
        const model = memberClassifier(ensemble, m, base);
        made.push(model);
        return model;
      },
    }));
    return {
      runs,
      release: () => {
        for (const model of made) {
          tf.dispose(model.layers.flatMap((l) => (l.lora ? [l.lora.a, l.lora.b] : [])));
        }
        disposeEnsemble(ensemble);
      },
    };
  } catch (error) {
    disposeEnsemble(ensemble);
    throw error;
  } finally {
    disposeEnsembleBatch(batch);
    if (heldOut) disposeEnsembleBatch(heldOut.batch);
  }
}

/** The held-out evaluation rows as a batch shared by every member, and their scorer. */
function heldOutBatch(
  ctx: ToyContext,
  data: SeedRows,
  ensemble: ClassifierEnsemble,
): { batch: EnsembleBatch; score(predictions: Int32Array): ToyEvaluation } {
  const subset = heldOutRows(data);
  return {
    batch: sharedBatch(ensemble, toyInputs(ctx, subset.evalRows)),
    score: (predictions) => scorePredictions(ctx, subset, predictions, true),
  };
}
