/**
 * Fine-tunes with a strategy through the one training loop: validate its parameters, set it up, train,
 * apply its post-training edit, release what it precomputed. An ensemble's members train as one program and
 * each gets the result it would get alone.
 *
 * @module
 */
import { parseConfig } from "../config/load.ts";
import { trainMembers, type TrainOptions, type TrainResult } from "../train/loop.ts";
import type { Strategy, StrategyContext } from "./strategy.ts";

/** How a strategy run ended: the loop's result plus metrics of the post-training edit. */
export interface StrategyResult extends TrainResult {
  finishMetrics: Record<string, number>;
}

/** Hooks into a fine-tune's loop: a single model's callbacks, and a step hook for any number of members. */
export type FineTuneHooks = Pick<TrainOptions, "callbacks" | "onStep">;

/**
 * Trains every member of `ctx.model` with `strategy` and `params` (validated; errors name the bad field);
 * one result per member.
 */
export function fineTuneMembers<B>(
  strategy: Strategy,
  params: unknown,
  ctx: StrategyContext<B>,
  hooks: FineTuneHooks = {},
): StrategyResult[] {
  const parsed = parseConfig(strategy.params, params, `parameters of strategy ${strategy.name}`);
  const run = strategy.create(parsed, ctx);
  try {
    const results = trainMembers(ctx.model, run, {
      steps: ctx.steps,
      learningRate: ctx.learningRate,
      ...hooks,
    });
    // The post-training edit acts on every member at once and member by member, so a diverged member's NaN
    // weights touch no other; its metrics are dropped, as a diverged single model gets no edit.
    const finished = results.every((r) => r.diverged) ? undefined : run.finish?.();
    return results.map((result, m) => ({
      ...result,
      finishMetrics: result.diverged ? {} : finished?.[m] ?? {},
    }));
  } finally {
    run.dispose?.();
  }
}

/** Trains a single model (`ctx.model.members` = 1) with `strategy`; see `fineTuneMembers`. */
export function fineTuneWith<B>(
  strategy: Strategy,
  params: unknown,
  ctx: StrategyContext<B>,
  hooks: FineTuneHooks = {},
): StrategyResult {
  if (ctx.model.members !== 1) {
    throw new Error(`Cannot fine-tune ${ctx.model.members} members with fineTuneWith: use fineTuneMembers`);
  }
  return fineTuneMembers(strategy, params, ctx, hooks)[0]!;
}
