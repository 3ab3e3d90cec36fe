/**
 * Frozen trigger features for the toy classifier (our PyTorch prototype's design, 165-d by default):
 *
 *   f(t) = [ unit GloVe vector of t (zeros if out of vocabulary)                      100
 *          ‖ ngramScale · L2-normalised signed hashed bag of character n-grams of "<t>"  ngramBuckets
 *          ‖ oovScale · [t is out of vocabulary] ]                                       1
 *
 * The GloVe part carries semantics (so related words generalise together); the n-gram part lets unknown
 * strings be told apart; the flag lets the model treat all unknown strings alike.
 *
 * @module
 */
import { z } from "zod";
import { hashString } from "./rng.ts";
import { type EmbeddingSubset, phraseVector } from "./embeddings.ts";

/** Feature settings. */
export const FeatureSchema = z.strictObject({
  /** Hash buckets for character n-grams. */
  ngramBuckets: z.int().positive().max(65_536).default(64),
  /** Shortest and longest character n-gram of "<trigger>". */
  ngramMin: z.int().positive().default(1),
  ngramMax: z.int().positive().max(32).default(3),
  /** Weight of the n-gram block relative to the unit word vector. */
  ngramScale: z.number().nonnegative().max(1000).default(0.3),
  /** Value of the out-of-vocabulary flag when set. */
  oovScale: z.number().nonnegative().max(1000).default(3),
  /**
   * Words ranked rarer than this count as out of vocabulary, like a tokenizer with a realistic vocabulary
   * (every word trigger ranks far lower; the random string "boye" ranks 99,714).
   */
  maxRank: z.int().positive().default(50_000),
}).refine((f) => f.ngramMin <= f.ngramMax, {
  path: ["ngramMin"],
  message: "must be at most ngramMax; e.g. ngramMin: 1, ngramMax: 3",
});

/** Validated feature settings. */
export type FeatureConfig = z.output<typeof FeatureSchema>;

/** The feature width for a config: word vector + n-gram buckets + OOV flag. */
export function featureWidth(embeddings: EmbeddingSubset, config: FeatureConfig): number {
  return embeddings.dimensions + config.ngramBuckets + 1;
}

/** The feature vector of one trigger (see the module doc for the layout). */
export function triggerFeatures(
  embeddings: EmbeddingSubset,
  config: FeatureConfig,
  trigger: string,
): Float32Array {
  const d = embeddings.dimensions;
  const out = new Float32Array(featureWidth(embeddings, config));
  const vector = phraseVector(embeddings, trigger, config.maxRank);
  if (vector) out.set(vector, 0);
  else out[d + config.ngramBuckets] = config.oovScale;

  const grams = new Float32Array(config.ngramBuckets);
  const text = `<${trigger.toLowerCase()}>`;
  for (let n = config.ngramMin; n <= config.ngramMax; n++) {
    for (let i = 0; i + n <= text.length; i++) {
      const h = hashString(text.slice(i, i + n));
      const bucket = h % config.ngramBuckets;
      grams[bucket] = (grams[bucket] as number) + ((h >>> 31) === 1 ? 1 : -1);
    }
  }
  const norm = Math.hypot(...grams);
  if (norm > 0) grams.forEach((v, i) => (out[d + i] = (config.ngramScale * v) / norm));
  return out;
}

/** Features for many triggers, keyed by trigger. */
export function featureTable(
  embeddings: EmbeddingSubset,
  config: FeatureConfig,
  triggers: Iterable<string>,
): Map<string, Float32Array> {
  const table = new Map<string, Float32Array>();
  for (const t of triggers) table.set(t, triggerFeatures(embeddings, config, t));
  return table;
}
