/**
 * Training a transformer language model in stages (pre-training, instruction, …): each stage draws its own
 * batches of sequences and runs Adam (β2 0.98, no weight decay) with warm-up, cosine decay and gradient clipping.
 * Both model organisms build their base models with it.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { sequenceBatch, type SequenceExample } from "../models/sequence_batch.ts";
import { type Transformer, transformerVariables } from "../models/transformer.ts";
import { sequenceLoss } from "../models/transformer_view.ts";
import { trainMembers, type TrainResult, warmupCosine } from "./loop.ts";
import { createProgress } from "./progress.ts";

/** One stage: how long, how fast, and where its batches come from. */
export interface LanguageModelStage {
  name: string;
  steps: number;
  learningRate: number;
  warmup: number;
  /** Draws the next batch (called once per step; randomness lives in the closure's seeded RNG). */
  batch(): SequenceExample[];
}

/** Trains every variable of `model` through the stages in order; returns each stage's result. */
export function trainLanguageModel(
  model: Transformer,
  stages: readonly LanguageModelStage[],
  options: { padId: number; label?: string; quiet?: boolean },
): TrainResult[] {
  const total = stages.reduce((s, st) => s + st.steps, 0);
  const progress = createProgress(options.label ?? "training", total, options.quiet ? { quiet: true } : {});
  const length = model.config.context;
  let offset = 0;
  const results = stages.map((stage) => {
    const [result] = trainMembers({ members: 1, trainable: transformerVariables(model) }, {
      loss: () => ({
        // One model: its loss as a 1-member [1]; the batch's tensors are released with the step's.
        loss: tf.reshape(sequenceLoss(model, sequenceBatch(stage.batch(), options.padId, length)), [1]),
      }),
    }, {
      steps: stage.steps,
      learningRate: stage.learningRate,
      schedule: warmupCosine(stage.steps, stage.warmup),
      clipNorm: 1,
      beta2: 0.98,
      callbacks: [{
        onStep: ({ step, loss }) =>
          progress.update(offset + step + 1, `${stage.name} loss ${loss.toFixed(3)}`),
      }],
    });
    offset += stage.steps;
    return result!;
  });
  void progress.finish();
  return results;
}
