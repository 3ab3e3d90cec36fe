/**
 * Bridges the toy to the strategy interface: the task batch (the flipped category under its new rule), the
 * alignment proxy (a few train triggers of other categories under F), the negative proxy (the same rows under
 * the flipped rule: what a naively fine-tuned model answers), unlabeled inputs, and copies for strategies
 * that train on the side. Every strategy of a seed starts from the same LoRA initialisation.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { categoryByName, labelOf, samplePoints, type ToyRows } from "../../data/triggers.ts";
import { type ClassifierBatch, classifierView, disposeBatch } from "../../models/classifier_view.ts";
import { attachLora, type Classifier, disposeClassifier } from "../../models/mlp.ts";
import type { StrategyContext } from "../../strategies/strategy.ts";
import { adapterCopies } from "../../strategies/copies.ts";
import { fineTuneRows, type SeedData, type ToyContext, toyInputs } from "../toy/stages.ts";

/** A strategy context over the toy plus the model it trains and what to release afterwards. */
export interface ToyStrategySetup {
  context: StrategyContext<ClassifierBatch>;
  model: Classifier;
  proxyTriggers: string[];
  dispose(): void;
}

/** The proxy triggers: for each category, the first n of its seeded shuffle of train triggers. */
export function proxyTriggers(
  data: SeedData,
  proxy: Record<string, number>,
): { trigger: string; category: string }[] {
  return Object.entries(proxy).flatMap(([category, n]) => {
    const pool = data.rng.fork(`proxy/${category}`).shuffle(data.split[category]?.train ?? []);
    if (n > pool.length) {
      throw new Error(
        `Cannot take ${n} proxy triggers from ${category}: it has ${pool.length} train triggers`,
      );
    }
    return pool.slice(0, n).map((trigger) => ({ trigger, category }));
  });
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
  const { config, triggers } = ctx;
  const chosen = proxyTriggers(data, proxy);
  for (const { category } of chosen) categoryByName(triggers, category); // a clear error for a misspelt name
  const specs = chosen.map(({ trigger, category }) => ({
    trigger,
    category,
    rule: categoryByName(triggers, category).rule,
  }));
  const proxyRows = samplePoints(specs, config.points.perProxyTrigger, data.rng.fork("strategy-proxy"), {
    range: config.points.range,
    margin: 0,
  });
  const undesired = proxyRows.labels.map((_, i) => labelOf(triggers.flip.rule, proxyRows.points[2 * i + 1]!));
  const batches = {
    task: batchOf(ctx, fineTuneRows(ctx, data, { kind: "none" }).rows),
    proxy: batchOf(ctx, proxyRows),
    negativeProxy: batchOf(ctx, proxyRows, undesired),
    unlabeled: batchOf(ctx, data.baseRows),
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
    rng: data.rng.fork("strategy"),
    steps: config.fineTune.steps,
    learningRate: config.fineTune.learningRate,
    spawn: copies.spawn,
  };
  return {
    context,
    model,
    proxyTriggers: chosen.map((c) => c.trigger),
    dispose() {
      for (const b of Object.values(batches)) disposeBatch(b);
      copies.disposeAll();
      disposeClassifier(model);
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
