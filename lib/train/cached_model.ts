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
import { configHash } from "./records.ts";

/**
 * The cache key of an organism's base: a hash of everything that determines its weights (data, model, the
 * training stages, the seeds) and of the code version that trains it.
 */
export async function baseModelKey(
  config: {
    data: unknown;
    model: unknown;
    pretrain: unknown;
    instruct: unknown;
    dataSeed: number;
    modelSeed: number;
  },
  codeVersion: number,
): Promise<string> {
  const { data, model, pretrain, instruct, dataSeed, modelSeed } = config;
  return await configHash({ data, model, pretrain, instruct, dataSeed, modelSeed, code: codeVersion });
}

/** Options of the organism experiments' runners (`runEm`, `runSycophancy`). */
export interface OrganismRunOptions {
  /** Output folder; records go to `<out>/<experiment>/`. Without it nothing is written or resumed. */
  out?: string;
  /** Override the fine-tune seeds. */
  seeds?: number[];
  /** Retrain the base models even when the cache matches. */
  retrain?: boolean;
  /** Where base models are cached (default `data/cache/<experiment>/`). */
  cacheDir?: string;
  quiet?: boolean;
  /** Deno workers to spread the fine-tune seeds over (default: one per core); 1 runs in this thread. */
  workers?: number;
  /**
   * This call is one worker's share of a larger run: it writes its run records only, and the caller writes
   * `summary.json` once every share is done (so a run killed mid-way never leaves a summary of part of it).
   */
  workerShare?: boolean;
}

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
