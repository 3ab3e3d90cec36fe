/**
 * A transformer trained once and cached on disk under a key (a hash of everything that determines its
 * weights): loaded when the key matches, trained and saved otherwise or on request. A cache made for another
 * key is never used (`loadWeights` refuses it with the reason).
 *
 * @module
 */
import { Rng } from "../data/rng.ts";
import {
  createTransformer,
  disposeTransformer,
  type Transformer,
  type TransformerConfig,
  transformerVariables,
} from "../models/transformer.ts";
import { loadWeights, readManifest, saveWeights } from "../models/weights.ts";

/** What `cachedTransformer` needs. */
export interface CachedTransformerOptions {
  /** Folder of the cache files. */
  dir: string;
  /** File stem prefix, e.g. `persona`; the key is appended. */
  name: string;
  key: string;
  vocabSize: number;
  config: TransformerConfig;
  /** Trains a fresh model; returns it with what to record about the training. */
  train(): { model: Transformer; provenance: Record<string, unknown> };
  retrain?: boolean;
}

/** A model from the cache or freshly trained, and which. */
export interface CachedTransformer {
  model: Transformer;
  fromCache: boolean;
  /** Seconds spent training now (0 from the cache). */
  trainedSeconds: number;
}

/** Loads the model for `key` from the cache, or trains and caches it. */
export async function cachedTransformer(options: CachedTransformerOptions): Promise<CachedTransformer> {
  const path = `${options.dir}/${options.name}-${options.key}`;
  if (!options.retrain && await readManifest(path)) {
    const model = createTransformer(options.vocabSize, options.config, new Rng(0));
    try {
      await loadWeights(path, transformerVariables(model), options.key);
    } catch (error) {
      disposeTransformer(model);
      throw error;
    }
    return { model, fromCache: true, trainedSeconds: 0 };
  }
  const started = performance.now();
  const { model, provenance } = options.train();
  const trainedSeconds = (performance.now() - started) / 1000;
  await Deno.mkdir(options.dir, { recursive: true });
  await saveWeights(path, transformerVariables(model), options.key, {
    ...provenance,
    seconds: trainedSeconds,
  });
  return { model, fromCache: false, trainedSeconds };
}
