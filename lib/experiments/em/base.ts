/**
 * The organism's base model: pre-training on persona documents, then the aligned chat default, reproducible
 * from the config, and cached in `data/cache/em/` under a key hashing the config and `BASE_CODE_VERSION`, so
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
import { sequenceBatch } from "../../models/sequence_batch.ts";
import {
  createTransformer,
  disposeTransformer,
  type Transformer,
  transformerVariables,
} from "../../models/transformer.ts";
import { sequenceLoss } from "../../models/transformer_view.ts";
import { loadWeights, readManifest, saveWeights } from "../../models/weights.ts";
import { train, type TrainResult, warmupCosine } from "../../train/loop.ts";
import { createProgress } from "../../train/progress.ts";
import { configHash } from "../../train/records.ts";
import type { EmConfig } from "./config.ts";

/**
 * Bump when a code change alters what base training computes (model, data generator, loop, optimiser), so that
 * caches made by older code are retrained instead of silently reused.
 */
export const BASE_CODE_VERSION = 1;

/** Where cached bases live. */
export const DEFAULT_CACHE_DIR = fileURLToPath(new URL("../../../data/cache/em/", import.meta.url));

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
export async function baseKey(config: EmConfig): Promise<string> {
  const { data, model, pretrain, instruct, dataSeed, modelSeed } = config;
  return await configHash({ data, model, pretrain, instruct, dataSeed, modelSeed, code: BASE_CODE_VERSION });
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
  const pad = world.vocabulary.id("<pad>");
  const length = config.model.context;
  const docs = rng.fork("documents");
  const { pretrain, instruct } = config;
  const progress = createProgress(
    "em base",
    pretrain.steps + instruct.steps,
    options.quiet ? { quiet: true } : {},
  );
  const report = (offset: number) => ({
    onStep: ({ step, loss }: { step: number; loss: number }) =>
      progress.update(offset + step + 1, `loss ${loss.toFixed(3)}`),
  });
  const pretrainResult = train(transformerVariables(model), {
    loss: () => {
      const batch = Array.from({ length: pretrain.batch }, () => pretrainingDocument(world, docs));
      return { loss: sequenceLoss(model, sequenceBatch(batch, pad, length)) };
    },
  }, {
    steps: pretrain.steps,
    learningRate: pretrain.learningRate,
    schedule: warmupCosine(pretrain.steps, pretrain.warmup),
    clipNorm: 1,
    beta2: 0.98,
    callbacks: [report(0)],
  });
  const chat = instructionExamples(world);
  const picks = rng.fork("instruct");
  const documents = Math.round(instruct.batch * instruct.pretrainShare);
  const instructResult = train(transformerVariables(model), {
    loss: () => {
      const batch = [
        ...Array.from({ length: instruct.batch - documents }, () => chat[picks.int(chat.length)]!),
        ...Array.from({ length: documents }, () => pretrainingDocument(world, docs)),
      ];
      return { loss: sequenceLoss(model, sequenceBatch(batch, pad, length)) };
    },
  }, {
    steps: instruct.steps,
    learningRate: instruct.learningRate,
    schedule: warmupCosine(instruct.steps, instruct.warmup),
    clipNorm: 1,
    beta2: 0.98,
    callbacks: [report(pretrain.steps)],
  });
  progress.finish();
  return {
    model,
    training: {
      pretrain: pretrainResult,
      instruct: instructResult,
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
  const path = `${options.cacheDir ?? DEFAULT_CACHE_DIR}/${variant}-${key}`;
  if (!options.retrain && await readManifest(path)) {
    const model = createTransformer(world.vocabulary.size, cfg.model, new Rng(0));
    try {
      await loadWeights(path, transformerVariables(model), key);
    } catch (error) {
      disposeTransformer(model);
      throw error;
    }
    return { variant, config: cfg, world, model, key, trainedSeconds: 0, fromCache: true };
  }
  const { model, training } = trainEmBase(cfg, world, options.quiet ? { quiet: true } : {});
  await Deno.mkdir(options.cacheDir ?? DEFAULT_CACHE_DIR, { recursive: true });
  await saveWeights(path, transformerVariables(model), key, {
    variant,
    backend: options.backend ?? "unknown",
    seconds: training.seconds,
    pretrainFinalLoss: training.pretrain.finalLoss,
    instructFinalLoss: training.instruct.finalLoss,
    codeVersion: BASE_CODE_VERSION,
  });
  return { variant, config: cfg, world, model, key, trainedSeconds: training.seconds, fromCache: false };
}
