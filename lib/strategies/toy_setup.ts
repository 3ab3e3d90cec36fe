/**
 * Bridges the toy to the strategy interface: the task batch (the flipped category under its new rule), the
 * alignment proxy (a few train triggers of other categories under F), the negative proxy (the same rows under
 * the flipped rule: what a naively fine-tuned model answers), unlabeled inputs, and copies for strategies
 * that train on the side. Every strategy of a seed starts from the same LoRA initialisation. `toyEnsembleSetup`
 * builds the same runs for several seeds as one ensemble (a member per seed).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { ToyRows } from "../data/triggers.ts";
import { type SeedRows, type StrategyRows, strategyRows, toyInputValues } from "../data/toy_world.ts";
import { type ClassifierBatch, classifierView, disposeBatch } from "../models/classifier_view.ts";
import {
  adaptEnsemble,
  type ClassifierEnsemble,
  disposeEnsemble,
  disposeEnsembleBatch,
  type EnsembleBatch,
  memberBatch,
} from "../models/ensemble.ts";
import { ensembleView } from "../models/ensemble_view.ts";
import { attachLora, type Classifier, disposeClassifier } from "../models/mlp.ts";
import { type SeedData, type ToyContext, toyInputs } from "../train/toy_stages.ts";
import { adapterCopies } from "./copies.ts";
import type { StrategyContext } from "./strategy.ts";

/** A strategy context over the toy plus the model it trains and what to release afterwards. */
export interface ToyStrategySetup {
  context: StrategyContext<ClassifierBatch>;
  model: Classifier;
  proxyTriggers: string[];
  /** Releases it; `using` calls this too. */
  dispose(): void;
  [Symbol.dispose](): void;
}

function batchOf(ctx: ToyContext, rows: ToyRows, labels: Int32Array = rows.labels): ClassifierBatch {
  return { inputs: toyInputs(ctx, rows), labels: tf.tensor1d(labels, "int32") };
}

/** Builds the context for one strategy run on one seed, from the seed's base model. */
export function toyStrategySetup(
  ctx: ToyContext,
  data: SeedData,
  base: Classifier,
  proxy: Record<string, number>,
): ToyStrategySetup {
  const { config } = ctx;
  const rows = strategyRows(ctx, data, proxy);
  const batches = {
    task: batchOf(ctx, rows.task),
    proxy: batchOf(ctx, rows.proxy),
    negativeProxy: batchOf(ctx, rows.proxy, rows.undesired),
    unlabeled: batchOf(ctx, rows.unlabeled),
  };
  const model = attachLora(base, config.fineTune.lora, data.rng.fork("lora/strategies"));
  const copies = adapterCopies(model, {
    create: (label) => attachLora(base, config.fineTune.lora, data.rng.fork(`spawn/${label}`)),
    layers: (m) => m.layers,
    view: classifierView,
    dispose: disposeClassifier,
  });
  const context: StrategyContext<ClassifierBatch> = {
    model: classifierView(model),
    data: batches,
    rngs: [data.rng.fork("strategy")],
    steps: config.fineTune.steps,
    learningRate: config.fineTune.learningRate,
    spawn: copies.spawn,
  };
  return {
    context,
    model,
    proxyTriggers: rows.proxyTriggers,
    dispose() {
      for (const b of Object.values(batches)) disposeBatch(b);
      copies.disposeAll();
      disposeClassifier(model);
    },
    [Symbol.dispose]() {
      this.dispose();
    },
  };
}

/** A strategy context over several seeds at once: one ensemble member per seed, each on its own base. */
export interface ToyEnsembleSetup {
  context: StrategyContext<EnsembleBatch>;
  ensemble: ClassifierEnsemble;
  proxyTriggers: string[][];
  /** Releases it; `using` calls this too. */
  dispose(): void;
  [Symbol.dispose](): void;
}

/**
 * The same runs as `toyStrategySetup` for every seed of `datas`, as one ensemble: member m is seed m on
 * `bases[m]`, with that seed's rows, adapter initialisation and random streams.
 */
export function toyEnsembleSetup(
  ctx: ToyContext,
  datas: readonly SeedRows[],
  bases: readonly Classifier[],
  proxy: Record<string, number>,
): ToyEnsembleSetup {
  const { config } = ctx;
  const rows = datas.map((d) => strategyRows(ctx, d, proxy));
  const adapt = (label: string) =>
    adaptEnsemble(bases, config.fineTune.lora, datas.map((d) => d.rng.fork(label)));
  const ensemble = adapt("lora/strategies");
  const batchOfMembers = (pick: (r: StrategyRows) => ToyRows, labels?: (r: StrategyRows) => Int32Array) =>
    memberBatch(
      ensemble,
      rows.map((r) => toyInputValues(ctx, pick(r))),
      rows.map((r) => labels?.(r) ?? pick(r).labels),
    );
  const batches = {
    task: batchOfMembers((r) => r.task),
    proxy: batchOfMembers((r) => r.proxy),
    negativeProxy: batchOfMembers((r) => r.proxy, (r) => r.undesired),
    unlabeled: batchOfMembers((r) => r.unlabeled),
  };
  const copies = adapterCopies(ensemble, {
    create: (label) => adapt(`spawn/${label}`),
    layers: (e) => ensembleView(e).adapted,
    view: ensembleView,
    dispose: disposeEnsemble,
  });
  const context: StrategyContext<EnsembleBatch> = {
    model: ensembleView(ensemble),
    data: batches,
    rngs: datas.map((d) => d.rng.fork("strategy")),
    steps: config.fineTune.steps,
    learningRate: config.fineTune.learningRate,
    spawn: copies.spawn,
  };
  return {
    context,
    ensemble,
    proxyTriggers: rows.map((r) => r.proxyTriggers),
    dispose() {
      for (const b of Object.values(batches)) disposeEnsembleBatch(b);
      copies.disposeAll();
      disposeEnsemble(ensemble);
    },
    [Symbol.dispose]() {
      this.dispose();
    },
  };
}

/** Cross-entropy of the starting model on the task, the proxy and the negative proxy (diagnostics). */
export function startingLosses(
  setup: ToyStrategySetup,
): { task: number; proxy: number; negativeProxy: number } {
  const { model, data } = setup.context;
  const value = (batch: typeof data.task) => {
    const loss = model.loss(batch);
    const out = loss.dataSync()[0]!;
    loss.dispose();
    return out;
  };
  return { task: value(data.task), proxy: value(data.proxy), negativeProxy: value(data.negativeProxy) };
}
