/**
 * A model trained once and cached on disk under a key (a hash of everything that determines its weights):
 * loaded when the key matches, trained and saved otherwise or on request. A cache made for another key, or
 * damaged, is never used (`loadWeights` refuses it with the reason).
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";
import { dirname } from "node:path";
import { Rng } from "../data/rng.ts";
import { exists } from "../io/exists.ts";
import {
  createTransformer,
  disposeTransformer,
  type Transformer,
  type TransformerConfig,
  transformerVariables,
} from "../models/transformer.ts";
import { loadWeights, saveWeights } from "../models/weights.ts";
import { configHash, secondsSince } from "./records.ts";

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

/** What `cachedModel` needs. */
export interface CachedModelOptions<M> {
  /** The cache's file stem: the weights are `<path>.bin`, the manifest `<path>.json`. */
  path: string;
  /** A hash of everything that determines the weights: a cache made for another key is never used. */
  key: string;
  /** A model of the right shapes to load the cached weights into. */
  create(): M;
  variables(model: M): tf.Variable[];
  dispose(model: M): void;
  /** Trains a fresh model; returns it with what to record about the training. */
  train(): { model: M; provenance: Record<string, unknown> };
  /** Train even when the cache matches. */
  retrain?: boolean;
}

/** A model from the cache or freshly trained, and which. */
export interface CachedModel<M> {
  model: M;
  fromCache: boolean;
  /** Seconds spent training now (0 from the cache). */
  trainedSeconds: number;
}

/** How a run uses the cache of trained models: its folder (default: each model's own) and whether it retrains. */
export interface CacheUse {
  dir?: string | undefined;
  retrain?: boolean | undefined;
}

/**
 * Loads the model for `key` from the cache, or trains and caches it. A cache that exists but cannot be used
 * (damaged, or made for another key) is only a cache: the reason is printed and the model retrained.
 */
export async function cachedModel<M>(options: CachedModelOptions<M>): Promise<CachedModel<M>> {
  const { path, key } = options;
  if (!options.retrain && await exists(`${path}.json`)) {
    const model = options.create();
    try {
      await loadWeights(path, options.variables(model), key);
      return { model, fromCache: true, trainedSeconds: 0 };
    } catch (error) {
      options.dispose(model);
      console.error(`${(error as Error).message}; retraining it`);
    }
  }
  const started = performance.now();
  const { model, provenance } = options.train();
  const trainedSeconds = secondsSince(started);
  await Deno.mkdir(dirname(path), { recursive: true });
  await saveWeights(path, options.variables(model), key, { ...provenance, seconds: trainedSeconds });
  return { model, fromCache: false, trainedSeconds };
}

/** An organism's base transformer from the cache at `path` (a file stem) for `key`, or trained and cached. */
export function cachedTransformer(options: {
  path: string;
  key: string;
  vocabSize: number;
  config: TransformerConfig;
  train(): { model: Transformer; provenance: Record<string, unknown> };
  retrain?: boolean;
}): Promise<CachedModel<Transformer>> {
  const { path, key, vocabSize, config, train, retrain } = options;
  return cachedModel({
    path,
    key,
    create: () => createTransformer(vocabSize, config, new Rng(0)),
    variables: transformerVariables,
    dispose: disposeTransformer,
    train,
    ...(retrain ? { retrain } : {}),
  });
}
