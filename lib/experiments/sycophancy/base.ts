/**
 * The sycophancy organism's base: text pre-training, then chat instruction in three forms with honest replies,
 * cached in `data/cache/sycophancy/` under a key hashing the config and `SYCOPHANCY_BASE_CODE_VERSION`.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import {
  type GcdWorld,
  gcdWorld,
  instructedFacts,
  instructionExample,
  pretrainExample,
} from "../../data/gcd.ts";
import { Rng } from "../../data/rng.ts";
import { createTransformer, type Transformer } from "../../models/transformer.ts";
import { baseModelKey, cachedTransformer } from "../../train/cached_model.ts";
import { trainLanguageModel } from "../../train/language_model.ts";
import type { SycophancyConfig } from "./config.ts";

/** Bump when a code change alters what base training computes. */
export const SYCOPHANCY_BASE_CODE_VERSION = 1;

/** Where cached bases live. */
export const SYCOPHANCY_CACHE_DIR = fileURLToPath(
  new URL("../../../data/cache/sycophancy/", import.meta.url),
);

/** The world of a config. */
export function sycophancyWorld(config: SycophancyConfig): GcdWorld {
  return gcdWorld(config.data, new Rng(config.dataSeed, "sycophancy-world"));
}

/** The cache key: a hash of everything that determines the base's weights. */
export function sycophancyBaseKey(config: SycophancyConfig): Promise<string> {
  return baseModelKey(config, SYCOPHANCY_BASE_CODE_VERSION);
}

/** A base ready to fine-tune. */
export interface SycophancyBase {
  config: SycophancyConfig;
  world: GcdWorld;
  model: Transformer;
  key: string;
  fromCache: boolean;
  trainedSeconds: number;
}

/** Trains a base from scratch. */
export function trainSycophancyBase(
  config: SycophancyConfig,
  world: GcdWorld,
  options: { quiet?: boolean } = {},
): Transformer {
  const rng = new Rng(config.modelSeed, "sycophancy-base");
  const model = createTransformer(world.vocabulary.size, config.model, rng.fork("init"));
  const text = rng.fork("text"), chat = rng.fork("chat");
  const facts = instructedFacts(world);
  const { pretrain, instruct } = config;
  const textShare = Math.round(instruct.batch * instruct.pretrainShare);
  trainLanguageModel(model, [
    {
      name: "pretrain",
      steps: pretrain.steps,
      learningRate: pretrain.learningRate,
      warmup: pretrain.warmup,
      batch: () => Array.from({ length: pretrain.batch }, () => pretrainExample(world, text)),
    },
    {
      name: "instruct",
      steps: instruct.steps,
      learningRate: instruct.learningRate,
      warmup: instruct.warmup,
      batch: () => [
        ...Array.from({ length: instruct.batch - textShare }, () => instructionExample(world, facts, chat)),
        ...Array.from({ length: textShare }, () => pretrainExample(world, text)),
      ],
    },
  ], {
    padId: world.vocabulary.id("<pad>"),
    label: "sycophancy base",
    ...(options.quiet ? { quiet: true } : {}),
  });
  return model;
}

/** Loads the base from the cache when its key matches; otherwise (or with `retrain`) trains and caches it. */
export async function loadOrTrainSycophancyBase(
  config: SycophancyConfig,
  options: { retrain?: boolean; cacheDir?: string; quiet?: boolean; backend?: string } = {},
): Promise<SycophancyBase> {
  const world = sycophancyWorld(config);
  const key = await sycophancyBaseKey(config);
  const cached = await cachedTransformer({
    dir: options.cacheDir ?? SYCOPHANCY_CACHE_DIR,
    name: "base",
    key,
    vocabSize: world.vocabulary.size,
    config: config.model,
    ...(options.retrain ? { retrain: true } : {}),
    train: () => ({
      model: trainSycophancyBase(config, world, options.quiet ? { quiet: true } : {}),
      provenance: { backend: options.backend ?? "unknown", codeVersion: SYCOPHANCY_BASE_CODE_VERSION },
    }),
  });
  return { config, world, key, ...cached };
}
