/**
 * Config of the strategy comparison on the toy: the toy's settings, the alignment proxy, and a sweep of
 * strategies × hyper-parameter grids × seeds.
 *
 * @module
 */
import { z } from "zod";
import { ToyConfigSchema } from "../toy/config.ts";
import { checkProxyNames, SweepSchema } from "../../strategies/sweep.ts";

/** Schema of `data/configs/strategies-toy.yaml`. */
export const StrategiesToyConfigSchema = z.strictObject({
  /** Overrides of the toy config (the fine-tune steps, learning rate, LoRA, points …). */
  toy: ToyConfigSchema.prefault({}),
  /** The alignment proxy: how many train triggers of which categories, at their original labels. */
  proxy: z.record(z.string(), z.int().positive()).default({ objects: 2, negative_emotions: 2 }),
  strategies: SweepSchema.min(1),
}).superRefine((c, ctx) => checkProxyNames(c.strategies, [], ctx));

/** A validated strategies-on-toy config. */
export type StrategiesToyConfig = z.output<typeof StrategiesToyConfigSchema>;
