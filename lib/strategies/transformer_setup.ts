/**
 * A fine-tune of a frozen transformer base as a strategy context: LoRA adapters on every projection, the
 * organism's batches, copies of the adapters for strategies that train on the side, and one release for all.
 * `loraSetup` builds one model's; `loraMembersSetup` builds several seeds' as one ensemble (stacked adapters
 * on the one base, member m with seed m's data and random streams), whose members give the numbers
 * `loraSetup` gives each seed alone.
 *
 * @module
 */
import type { Rng } from "../data/rng.ts";
import type { SequenceExample } from "../data/sequence.ts";
import type { LoraConfig } from "../models/lora.ts";
import { disposeSequenceBatch, type SequenceBatch, sequenceBatch } from "../models/sequence_batch.ts";
import { type Transformer, transformerDenseLayers } from "../models/transformer.ts";
import {
  disposeMemberSequenceBatch,
  type MemberSequenceBatch,
  memberSequenceBatch,
  transformerMembersView,
} from "../models/transformer_members.ts";
import {
  attachTransformerLora,
  disposeTransformerAdapters,
  transformerView,
} from "../models/transformer_view.ts";
import type { StrategyModel } from "../models/view.ts";
import { adapterCopies } from "./copies.ts";
import type { StrategyContext, StrategyData } from "./strategy.ts";

/**
 * One fine-tune's data as examples. `task` is its mini-batches in order (one entry for a full batch): the run
 * steps through them, one a step, cycling; the proxy, its negative and the unlabeled inputs stay fixed.
 */
export interface FineTuneExamples {
  task: SequenceExample[][];
  proxy: SequenceExample[];
  negativeProxy: SequenceExample[];
  unlabeled: SequenceExample[];
}

/** A fine-tune's settings as the setups read them. */
export interface LoraFineTune {
  steps: number;
  learningRate: number;
  lora: LoraConfig;
}

/** A fine-tune's strategy context, the model it trains, the loop's step hook, and what to release. */
export interface TransformerSetup<B = SequenceBatch> {
  context: StrategyContext<B>;
  /** The base with the run's adapters (stacked, one per member, for `loraMembersSetup`). */
  model: Transformer;
  /** Advances the task to its next mini-batch; the loop calls it after every step. */
  onStep(): void;
  /** Releases it; `using` calls this too. */
  dispose(): void;
  [Symbol.dispose](): void;
}

/** One seed's fine-tune on `base`, with `rng` its random stream. */
export function loraSetup(
  base: Transformer,
  fineTune: LoraFineTune,
  rng: Rng,
  examples: FineTuneExamples,
  padId: number,
): TransformerSetup {
  return setupOf(fineTune, [rng], {
    attach: (label) => attachTransformerLora(base, fineTune.lora, rng.fork(label)),
    view: transformerView,
    batches: (pick) => sequenceBatch(pick(examples), padId),
    taskBatches: examples.task.length,
    dispose: disposeSequenceBatch,
  });
}

/** Several seeds' fine-tunes on `base` as one ensemble: member m has `rngs[m]` and `examples[m]`. */
export function loraMembersSetup(
  base: Transformer,
  fineTune: LoraFineTune,
  rngs: readonly Rng[],
  examples: readonly FineTuneExamples[],
  padId: number,
): TransformerSetup<MemberSequenceBatch> {
  const counts = examples.map((e) => e.task.length);
  if (counts.some((n) => n !== counts[0])) {
    throw new Error(
      `Cannot stack fine-tunes with ${counts.join(", ")} task batches: give each the same number`,
    );
  }
  return setupOf(fineTune, rngs, {
    attach: (label) => attachTransformerLora(base, fineTune.lora, rngs.map((r) => r.fork(label))),
    view: transformerMembersView,
    batches: (pick) => memberSequenceBatch(examples.map(pick), padId),
    taskBatches: counts[0] ?? 0,
    dispose: disposeMemberSequenceBatch,
  });
}

/** What differs between one model's setup and an ensemble's. */
interface SetupKind<B> {
  attach(label: string): Transformer;
  view(model: Transformer): StrategyModel<B>;
  /** A batch of every member's `pick` of its examples. */
  batches(pick: (e: FineTuneExamples) => SequenceExample[]): B;
  taskBatches: number;
  dispose(batch: B): void;
}

function setupOf<B>(
  fineTune: LoraFineTune,
  rngs: readonly Rng[],
  kind: SetupKind<B>,
): TransformerSetup<B> {
  const model = kind.attach("lora");
  const copies = adapterCopies(model, {
    create: (label) => kind.attach(`spawn/${label}`),
    layers: transformerDenseLayers,
    view: kind.view,
    dispose: disposeTransformerAdapters,
  });
  const task = Array.from({ length: kind.taskBatches }, (_, i) => kind.batches((e) => e.task[i]!));
  const fixed = {
    proxy: kind.batches((e) => e.proxy),
    negativeProxy: kind.batches((e) => e.negativeProxy),
    unlabeled: kind.batches((e) => e.unlabeled),
  };
  let current = 0;
  const data: StrategyData<B> = {
    get task() {
      return task[current % task.length]!;
    },
    ...fixed,
  };
  return {
    context: {
      model: kind.view(model),
      data,
      rngs: rngs.map((r) => r.fork("strategy")),
      steps: fineTune.steps,
      learningRate: fineTune.learningRate,
      spawn: copies.spawn,
    },
    model,
    onStep: () => void current++,
    dispose() {
      for (const b of [...task, ...Object.values(fixed)]) kind.dispose(b);
      copies.disposeAll();
      disposeTransformerAdapters(model);
    },
    [Symbol.dispose]() {
      this.dispose();
    },
  };
}
