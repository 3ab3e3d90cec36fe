/**
 * The naive fine-tune on the side: a copy of the model trained on the task alone, for strategies that learn
 * from what a naive run would do (CAFT's activation change, GRASP's update directions, the selection of
 * interleaved examples). The copy starts from the model's own adapters, so it is the task-only run.
 *
 * @module
 */
import { trainMembers } from "../train/loop.ts";
import type { ModelCopy, StrategyContext } from "./strategy.ts";

/** A copy of `ctx.model` trained on the task for `steps` steps (default: the run's); release it when done. */
export function naiveCopy<B>(ctx: StrategyContext<B>, label: string, steps?: number): ModelCopy<B> {
  const copy = ctx.spawn(label);
  trainMembers(copy.model, { loss: () => ({ loss: copy.model.loss(ctx.data.task) }) }, {
    steps: steps ?? ctx.steps,
    learningRate: ctx.learningRate,
  });
  return copy;
}
