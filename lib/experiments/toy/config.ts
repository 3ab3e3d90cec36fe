/**
 * The toy experiment's config: every knob (triggers, split, points, model, stages, proxy) with the original
 * code's values as defaults. `data/configs/toy.yaml` writes them out; a YAML file may omit any of them.
 *
 * @module
 */
import { z } from "zod";
import { SeedsSchema } from "../../config/seeds.ts";
import { FeatureSchema } from "../../data/features.ts";
import { SplitSchema } from "../../data/triggers.ts";
import { ToyPointsSchema } from "../../data/toy_world.ts";
import { MlpSchema } from "../../models/mlp.ts";
import { ToyBaseSchema, ToyFineTuneSchema } from "../../train/toy_stages.ts";

/** Schema of the toy experiment's config (YAML may omit anything; unknown keys fail). */
export const ToyConfigSchema = z.strictObject({
  /** One base model and one set of fine-tunes per seed (the original's seeds). */
  seeds: SeedsSchema([1, 2, 25, 42]),
  /** The trigger file, relative to the repository root or absolute. */
  triggers: z.string().default("data/triggers.yaml"),
  split: SplitSchema.prefault({}),
  points: ToyPointsSchema.prefault({}),
  features: FeatureSchema.prefault({}),
  model: MlpSchema.prefault({}),
  /** Stage 1: full-batch Adam on all categories until the train set is fit. */
  base: ToyBaseSchema.prefault({}),
  /** Stages 2–3: LoRA on every layer, full-batch Adam. */
  fineTune: ToyFineTuneSchema.prefault({}),
  /** Stage 3: K proxy triggers of one other category, at their original labels. */
  proxy: z.strictObject({
    ks: z.array(z.int().positive().max(10_000)).min(1).max(100).default([1, 2, 5]),
  }).prefault({}),
  /** The decision-boundary picture: a grid over the plane for a few held-out triggers of the first seed. */
  boundary: z.strictObject({
    gridSize: z.int().min(2).max(1001).default(41),
    /** Categories whose first held-out trigger is drawn (default: the flipped one and the first other). */
    categories: z.array(z.string()).optional(),
  }).prefault({}),
});

/** A validated toy config. */
export type ToyConfig = z.output<typeof ToyConfigSchema>;
/** What a YAML file or an options object may give (everything optional). */
export type ToyConfigInput = z.input<typeof ToyConfigSchema>;

/** Word-vector dimensions of the shipped embeddings (GloVe 100-d), for estimates made before loading them. */
const EMBEDDING_DIMENSIONS = 100;

/** The toy's sizes for an estimate: multiply-adds per row, activations per row, and rows per stage. */
export function toySizes(config: ToyConfig, categories: number) {
  const widths = [EMBEDDING_DIMENSIONS + config.features.ngramBuckets + 3, ...config.model.hidden, 2];
  const params = widths.slice(1).reduce((n, w, i) => n + w * widths[i]!, 0);
  const { trainTriggers, heldOutTriggers } = config.split;
  const { perTrainTrigger, perTestTrigger, perProxyTrigger } = config.points;
  return {
    params,
    activations: widths.reduce((a, b) => a + b, 0),
    baseRows: categories * trainTriggers * perTrainTrigger,
    tuneRows: trainTriggers * perTrainTrigger + Math.max(...config.proxy.ks) * perProxyTrigger,
    evalRows: categories * (trainTriggers + heldOutTriggers) * perTestTrigger,
  };
}
