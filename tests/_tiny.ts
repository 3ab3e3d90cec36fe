// Tiny configs for fast tests: few triggers, points, questions and steps.
import { fineTuneWith } from "../lib/strategies/finetune.ts";
import { strategyByName } from "../lib/strategies/registry.ts";
import { type ToyConfig, ToyConfigSchema } from "../lib/experiments/toy/config.ts";
import { type EmConfig, EmConfigSchema } from "../lib/experiments/em/config.ts";
import { type SycophancyConfig, SycophancyConfigSchema } from "../lib/experiments/sycophancy/config.ts";

export function tinyToyConfig(overrides: Record<string, unknown> = {}): ToyConfig {
  return ToyConfigSchema.parse({
    seeds: [3],
    split: { trainTriggers: 3, heldOutTriggers: 2 },
    points: { perTrainTrigger: 6, perTestTrigger: 6, perProxyTrigger: 6 },
    model: { hidden: [16, 16] },
    base: { maxSteps: 40 },
    fineTune: { steps: 12, curveEvery: 6 },
    proxy: { ks: [1] },
    boundary: { gridSize: 5 },
    ...overrides,
  });
}

/** A tiny EM organism: 3 domains of 6 questions, d = 16, two bases of 25 + 15 steps, 5 fine-tune steps. */
export function tinyEmConfig(overrides: Record<string, unknown> = {}): EmConfig {
  return EmConfigSchema.parse({
    seeds: [1, 2],
    bases: [0, 1],
    data: {
      domains: ["med", "fin", "gen"],
      questionsPerDomain: 6,
      answersPerDomain: 3,
      instructedQuestions: 4,
      proxy: { domains: ["gen"], questions: 2 },
    },
    model: { dModel: 16, heads: 2, context: 16 },
    pretrain: { steps: 25, batch: 8, warmup: 5 },
    instruct: { steps: 15, batch: 8, warmup: 5 },
    fineTune: { steps: 5 },
    ...overrides,
  });
}

/** A tiny sycophancy organism: numbers below 8, d = 16, two bases of 20 + 20 steps, 4 fine-tune steps. */
export function tinySycophancyConfig(overrides: Record<string, unknown> = {}): SycophancyConfig {
  return SycophancyConfigSchema.parse({
    seeds: [1],
    bases: [0, 1],
    data: { maxNumber: 8, countries: 10, diseases: 6, proxyCountries: 2, wrongPerCountry: 2 },
    model: { dModel: 16, heads: 2, context: 16 },
    pretrain: { steps: 20, batch: 8, warmup: 5 },
    instruct: { steps: 20, batch: 8, warmup: 5 },
    fineTune: { steps: 4, batch: 8 },
    modSample: 10,
    ...overrides,
  });
}

import { type ToyStrategySetup, toyStrategySetup } from "../lib/strategies/toy_setup.ts";
import { prepareToy } from "../lib/data/toy_world.ts";
import { disposeSeedData, seedData, trainBase } from "../lib/train/toy_stages.ts";
import { disposeClassifier } from "../lib/models/mlp.ts";

/** A tiny toy with a trained base, from which strategy setups are made (same LoRA init every time). */
export async function tinyStrategyBench(steps = 10) {
  const ctx = await prepareToy(tinyToyConfig({ fineTune: { steps, curveEvery: 0 } }));
  const data = seedData(ctx, 3);
  const base = trainBase(ctx, data);
  const setup = () => toyStrategySetup(ctx, data, base.model, { objects: 1, negative_emotions: 1 });
  return {
    ctx,
    data,
    base,
    setup,
    /** Runs `fn` on a fresh setup and releases it. */
    withSetup<T>(fn: (s: ToyStrategySetup) => T): T {
      const s = setup();
      try {
        return fn(s);
      } finally {
        s.dispose();
      }
    },
    /** Nudges every adapter so the model differs from its start (B ≠ 0, so A has gradients too). */
    perturb(s: ToyStrategySetup): void {
      fineTuneWith(strategyByName("task-only"), {}, { ...s.context, steps: 3 });
    },
    dispose() {
      disposeClassifier(base.model);
      disposeSeedData(data);
    },
  };
}
