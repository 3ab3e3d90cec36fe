// A tiny toy config for fast tests: few triggers, few points, few steps.
import { type ToyConfig, ToyConfigSchema } from "../lib/experiments/toy/config.ts";

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
