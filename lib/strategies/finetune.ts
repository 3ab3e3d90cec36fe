/**
 * Fine-tunes with a strategy through the one training loop: validate its parameters, set it up, train,
 * apply its post-training edit, release what it precomputed.
 *
 * @module
 */
import { parseConfig } from "../config/load.ts";
import { train, type TrainCallback, type TrainResult } from "../train/loop.ts";
import type { Strategy, StrategyContext } from "./strategy.ts";

/** How a strategy run ended: the loop's result plus metrics of the post-training edit. */
export interface StrategyResult extends TrainResult {
  finishMetrics: Record<string, number>;
}

/** Trains `ctx.model` with `strategy` and `params` (validated; errors name the bad field). */
export function fineTuneWith<B>(
  strategy: Strategy,
  params: unknown,
  ctx: StrategyContext<B>,
  callbacks: TrainCallback[] = [],
): StrategyResult {
  const parsed = parseConfig(strategy.params, params, `parameters of strategy ${strategy.name}`);
  const run = strategy.create(parsed, ctx);
  try {
    const result = train(ctx.model.trainable, run, {
      steps: ctx.steps,
      learningRate: ctx.learningRate,
      callbacks,
    });
    const finishMetrics = result.diverged ? {} : run.finish?.() ?? {};
    return { ...result, finishMetrics };
  } finally {
    run.dispose?.();
  }
}
