/**
 * Bridges the organism to the strategy interface: the task batch (bad medical answers), the proxy (good
 * answers to a few general questions) and its negative (their bad answers), unlabeled prompts for CAFT, and
 * copies for strategies that train on the side. LoRA adapters on every projection of the frozen base.
 *
 * @module
 */
import { Rng } from "../../data/rng.ts";
import { chatExample, proxyExamples, taskExamples } from "../../data/personas.ts";
import { disposeSequenceBatch, type SequenceBatch, sequenceBatch } from "../../models/sequence_batch.ts";
import type { Transformer } from "../../models/transformer.ts";
import { transformerDenseLayers } from "../../models/transformer.ts";
import {
  attachTransformerLora,
  disposeTransformerAdapters,
  transformerView,
} from "../../models/transformer_view.ts";
import { adapterCopies } from "../../strategies/copies.ts";
import type { StrategyContext } from "../../strategies/strategy.ts";
import type { EmBase } from "./base.ts";

/** A strategy context over the organism, the model it trains, and what to release afterwards. */
export interface EmStrategySetup {
  context: StrategyContext<SequenceBatch>;
  model: Transformer;
  dispose(): void;
}

/** Builds the context for one fine-tune of a base with one seed. */
export function emStrategySetup(base: EmBase, seed: number): EmStrategySetup {
  const { world, config } = base;
  const rng = new Rng(seed, "em-finetune");
  const pad = world.vocabulary.id("<pad>");
  const proxy = proxyExamples(world);
  const batches = {
    task: sequenceBatch(taskExamples(world, config.fineTune.answerNoise, rng.fork("task")), pad),
    proxy: sequenceBatch(proxy.chosen, pad),
    negativeProxy: sequenceBatch(proxy.rejected, pad),
    unlabeled: sequenceBatch(world.questions.map((q) => chatExample(world, q, q.good)), pad),
  };
  const model = attachTransformerLora(base.model, config.fineTune.lora, rng.fork("lora"));
  const copies = adapterCopies(model, {
    create: (label) => attachTransformerLora(base.model, config.fineTune.lora, rng.fork(`spawn/${label}`)),
    layers: transformerDenseLayers,
    view: transformerView,
    dispose: disposeTransformerAdapters,
  });
  const context: StrategyContext<SequenceBatch> = {
    model: transformerView(model),
    data: batches,
    rngs: [rng.fork("strategy")],
    steps: config.fineTune.steps,
    learningRate: config.fineTune.learningRate,
    spawn: copies.spawn,
  };
  return {
    context,
    model,
    dispose() {
      for (const b of Object.values(batches)) disposeSequenceBatch(b);
      copies.disposeAll();
      disposeTransformerAdapters(model);
    },
  };
}
