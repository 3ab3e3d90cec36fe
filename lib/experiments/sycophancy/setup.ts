/**
 * Bridges the sycophancy organism to the strategy interface. The task (1,036 items) is too large for a full
 * batch, so `data.task` is the current mini-batch: a seeded shuffle cut into batches, advanced after every step
 * (the proxy's 24 items and their negatives stay fixed). LoRA adapters on every projection of the frozen base.
 *
 * @module
 */
import { instructedFacts, instructionExample, sycophancyProxy, sycophancyTask } from "../../data/gcd.ts";
import { Rng } from "../../data/rng.ts";
import { disposeSequenceBatch, type SequenceBatch, sequenceBatch } from "../../models/sequence_batch.ts";
import { type Transformer, transformerDenseLayers } from "../../models/transformer.ts";
import {
  attachTransformerLora,
  disposeTransformerAdapters,
  transformerView,
} from "../../models/transformer_view.ts";
import { adapterCopies } from "../../strategies/copies.ts";
import type { StrategyContext, StrategyData } from "../../strategies/strategy.ts";
import type { TrainCallback } from "../../train/loop.ts";
import type { SycophancyBase } from "./base.ts";

/** A strategy context over the organism, the model it trains, the callback that advances the task batch. */
export interface SycophancySetup {
  context: StrategyContext<SequenceBatch>;
  model: Transformer;
  /** Pass to `fineTuneWith`: moves `data.task` to the next mini-batch after each step. */
  advance: TrainCallback;
  dispose(): void;
}

/** Builds the context for one fine-tune of the base with one seed. */
export function sycophancySetup(base: SycophancyBase, seed: number): SycophancySetup {
  const { world, config } = base;
  const rng = new Rng(seed, "sycophancy-finetune");
  const pad = world.vocabulary.id("<pad>");
  const task = rng.fork("task").shuffle(sycophancyTask(world));
  const taskBatches: SequenceBatch[] = [];
  for (let i = 0; i + config.fineTune.batch <= task.length; i += config.fineTune.batch) {
    taskBatches.push(sequenceBatch(task.slice(i, i + config.fineTune.batch), pad));
  }
  const proxy = sycophancyProxy(world);
  const facts = instructedFacts(world), probe = rng.fork("unlabeled");
  const fixed = {
    proxy: sequenceBatch(proxy.chosen, pad),
    negativeProxy: sequenceBatch(proxy.rejected, pad),
    unlabeled: sequenceBatch(Array.from({ length: 64 }, () => instructionExample(world, facts, probe)), pad),
  };
  let current = 0;
  const data: StrategyData<SequenceBatch> = {
    get task() {
      return taskBatches[current % taskBatches.length]!;
    },
    ...fixed,
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
    data,
    rngs: [rng.fork("strategy")],
    steps: config.fineTune.steps,
    learningRate: config.fineTune.learningRate,
    spawn: copies.spawn,
  };
  return {
    context,
    model,
    advance: { onStep: () => void current++ },
    dispose() {
      for (const b of [...taskBatches, ...Object.values(fixed)]) disposeSequenceBatch(b);
      copies.disposeAll();
      disposeTransformerAdapters(model);
    },
  };
}
