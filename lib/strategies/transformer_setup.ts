/**
 * A fine-tune of a frozen transformer base as a strategy context: LoRA adapters on every projection, the
 * organism's batches, copies of the adapters for strategies that train on the side, and one release for all.
 *
 * @module
 */
import type { Rng } from "../data/rng.ts";
import type { LoraConfig } from "../models/lora.ts";
import { disposeSequenceBatch, type SequenceBatch } from "../models/sequence_batch.ts";
import { type Transformer, transformerDenseLayers } from "../models/transformer.ts";
import {
  attachTransformerLora,
  disposeTransformerAdapters,
  transformerView,
} from "../models/transformer_view.ts";
import type { TrainCallback } from "../train/loop.ts";
import { adapterCopies } from "./copies.ts";
import type { StrategyContext, StrategyData } from "./strategy.ts";

/** One fine-tune's strategy context, the model it trains, callbacks for the loop, and what to release. */
export interface TransformerSetup {
  context: StrategyContext<SequenceBatch>;
  model: Transformer;
  callbacks: TrainCallback[];
  /** Releases it; `using` calls this too. */
  dispose(): void;
  [Symbol.dispose](): void;
}

/** One fine-tune's context on `base`: `owned.batches` are released with it, `owned.callbacks` go to the loop. */
export function loraSetup(
  base: Transformer,
  fineTune: { steps: number; learningRate: number; lora: LoraConfig },
  rng: Rng,
  data: StrategyData<SequenceBatch>,
  owned: { batches: readonly SequenceBatch[]; callbacks?: TrainCallback[] },
): TransformerSetup {
  const model = attachTransformerLora(base, fineTune.lora, rng.fork("lora"));
  const copies = adapterCopies(model, {
    create: (label) => attachTransformerLora(base, fineTune.lora, rng.fork(`spawn/${label}`)),
    layers: transformerDenseLayers,
    view: transformerView,
    dispose: disposeTransformerAdapters,
  });
  return {
    context: {
      model: transformerView(model),
      data,
      rngs: [rng.fork("strategy")],
      steps: fineTune.steps,
      learningRate: fineTune.learningRate,
      spawn: copies.spawn,
    },
    model,
    callbacks: owned.callbacks ?? [],
    dispose() {
      for (const b of owned.batches) disposeSequenceBatch(b);
      copies.disposeAll();
      disposeTransformerAdapters(model);
    },
    [Symbol.dispose]() {
      this.dispose();
    },
  };
}
