/**
 * The organism's base model: pre-training on persona documents, then the aligned chat default, reproducible
 * from the config, and cached in `data/cache/em/` under a key hashing the config and `EM_BASE_CODE_VERSION`, so
 * notebooks start in seconds. A cache whose key does not match is never used.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { Rng } from "../../data/rng.ts";
import {
  instructionExamples,
  type PersonaWorld,
  personaWorld,
  pretrainingDocument,
} from "../../data/personas.ts";
import { createTransformer, type Transformer } from "../../models/transformer.ts";
import { baseModelKey, cachedTransformer } from "../../train/cached_model.ts";
import type { TrainResult } from "../../train/loop.ts";
import { trainLanguageModel } from "../../train/language_model.ts";
import type { EmConfig } from "./config.ts";

/**
 * Bump when a code change alters what base training computes (model, data generator, loop, optimiser), so that
 * caches made by older code are retrained instead of silently reused.
 */
export const EM_BASE_CODE_VERSION = 1;

/** Where cached bases live. */
export const EM_CACHE_DIR = fileURLToPath(new URL("../../../data/cache/em/", import.meta.url));

/** The organism with a shared persona, or the control without one. */
export type Variant = "persona" | "control";

/** The config of a variant: the control redraws alignment per answer and names no persona. */
export function variantConfig(config: EmConfig, variant: Variant): EmConfig {
  if (variant === "persona") return config;
  return {
    ...config,
    data: { ...config.data, persona: { ...config.data.persona, shared: false, markerProbability: 0 } },
  };
}

/** The world (vocabulary, answers) of a config. */
export function emWorld(config: EmConfig): PersonaWorld {
  return personaWorld(config.data, new Rng(config.dataSeed, "em-world"));
}

/** The cache key of a variant's base: a hash of everything that determines its weights. */
export function baseKey(config: EmConfig): Promise<string> {
  return baseModelKey(config, EM_BASE_CODE_VERSION);
}

/** How the base was trained. */
export interface BaseTraining {
  pretrain: TrainResult;
  instruct: TrainResult;
  seconds: number;
}

/** Trains a base from scratch: stage 1 (persona documents), stage 2 (aligned chat default + documents). */
export function trainEmBase(
  config: EmConfig,
  world: PersonaWorld,
  options: { quiet?: boolean } = {},
): { model: Transformer; training: BaseTraining } {
  const started = performance.now();
  const rng = new Rng(config.modelSeed, "em-base");
  const model = createTransformer(world.vocabulary.size, config.model, rng.fork("init"));
  const docs = rng.fork("documents"), picks = rng.fork("instruct");
  const chat = instructionExamples(world);
  const { pretrain, instruct } = config;
  const documents = Math.round(instruct.batch * instruct.pretrainShare);
  const [pretrainResult, instructResult] = trainLanguageModel(model, [
    {
      name: "pretrain",
      steps: pretrain.steps,
      learningRate: pretrain.learningRate,
      warmup: pretrain.warmup,
      batch: () => Array.from({ length: pretrain.batch }, () => pretrainingDocument(world, docs)),
    },
    {
      name: "instruct",
      steps: instruct.steps,
      learningRate: instruct.learningRate,
      warmup: instruct.warmup,
      batch: () => [
        ...Array.from({ length: instruct.batch - documents }, () => chat[picks.int(chat.length)]!),
        ...Array.from({ length: documents }, () => pretrainingDocument(world, docs, !instruct.replayChat)),
      ],
    },
  ], { padId: world.vocabulary.id("<pad>"), label: "em base", ...(options.quiet ? { quiet: true } : {}) });
  return {
    model,
    training: {
      pretrain: pretrainResult!,
      instruct: instructResult!,
      seconds: (performance.now() - started) / 1000,
    },
  };
}

/** A base model ready to fine-tune, and where it came from. */
export interface EmBase {
  variant: Variant;
  config: EmConfig;
  world: PersonaWorld;
  model: Transformer;
  key: string;
  /** Seconds spent training it now (0 when loaded from the cache). */
  trainedSeconds: number;
  fromCache: boolean;
}

/** Loads a variant's base from the cache when its key matches; otherwise (or with `retrain`) trains and caches it. */
export async function loadOrTrainEmBase(
  config: EmConfig,
  variant: Variant,
  options: { retrain?: boolean; cacheDir?: string; quiet?: boolean; backend?: string } = {},
): Promise<EmBase> {
  const cfg = variantConfig(config, variant);
  const world = emWorld(cfg);
  const key = await baseKey(cfg);
  const cached = await cachedTransformer({
    dir: options.cacheDir ?? EM_CACHE_DIR,
    name: variant,
    key,
    vocabSize: world.vocabulary.size,
    config: cfg.model,
    ...(options.retrain ? { retrain: true } : {}),
    train: () => {
      const { model, training } = trainEmBase(cfg, world, options.quiet ? { quiet: true } : {});
      return {
        model,
        provenance: {
          variant,
          backend: options.backend ?? "unknown",
          pretrainFinalLoss: training.pretrain.finalLoss,
          instructFinalLoss: training.instruct.finalLoss,
          codeVersion: EM_BASE_CODE_VERSION,
        },
      };
    },
  });
  return { variant, config: cfg, world, ...cached, key };
}
