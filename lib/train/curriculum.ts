/**
 * An organism's base training: a transformer trained from scratch in two stages, pre-training on the world's
 * text, then instruction tuning on chat examples mixed with replayed pre-training ones.
 *
 * @module
 */
import { z } from "zod";
import { Rng } from "../data/rng.ts";
import type { SequenceExample } from "../data/sequence.ts";
import type { Vocabulary } from "../data/vocabulary.ts";
import { createTransformer, type Transformer, type TransformerConfig } from "../models/transformer.ts";
import { type LanguageModelStage, trainLanguageModel } from "./language_model.ts";

/** A base-training stage's settings (steps, batch, learning rate with warm-up), with defaults. */
export function StageSchema(steps: number, learningRate: number) {
  return z.strictObject({
    steps: z.int().positive().max(1_000_000).default(steps),
    batch: z.int().positive().max(65_536).default(32),
    learningRate: z.number().positive().default(learningRate),
    warmup: z.int().nonnegative().max(1_000_000).default(50),
  });
}

/**
 * How a base is trained: stage 1 on pre-training examples, stage 2 on chat examples mixed with replayed
 * pre-training ones (`instruct.pretrainShare` of each batch). Each source draws from its own random stream,
 * forked from `Rng(modelSeed, rng)` under the names in `streams`.
 */
export interface BaseCurriculum {
  rng: string;
  streams: { pretrain: string; chat: string };
  pretrain(rng: Rng): SequenceExample;
  chat(rng: Rng): SequenceExample;
  /** The replayed stage-1 examples of stage 2 (from the pre-training stream). */
  replay(rng: Rng): SequenceExample;
}

/** One stage's settings. */
export type StageConfig = z.output<ReturnType<typeof StageSchema>>;

/** What base training reads of an organism's config. */
export interface CurriculumConfig {
  modelSeed: number;
  model: TransformerConfig;
  pretrain: StageConfig;
  instruct: StageConfig & { pretrainShare: number };
}

/** A base before training: its initial weights, and its two stages, each drawing its batches in order. */
export interface CurriculumStages {
  model: Transformer;
  stages: [LanguageModelStage, LanguageModelStage];
}

/**
 * The base's initial weights and its stages, exactly as `trainOnCurriculum` trains them (so a reference loop
 * elsewhere, such as the bench's PyTorch one, can replay the same weights and batches from a second copy).
 */
export function curriculumStages(
  config: CurriculumConfig,
  world: { vocabulary: Vocabulary },
  curriculum: BaseCurriculum,
): CurriculumStages {
  const rng = new Rng(config.modelSeed, curriculum.rng);
  const model = createTransformer(world.vocabulary.size, config.model, rng.fork("init"));
  const text = rng.fork(curriculum.streams.pretrain), chat = rng.fork(curriculum.streams.chat);
  const { pretrain, instruct } = config;
  const replayed = Math.round(instruct.batch * instruct.pretrainShare);
  const stage = (name: string, s: StageConfig, batch: () => SequenceExample[]) => ({
    name,
    steps: s.steps,
    learningRate: s.learningRate,
    warmup: s.warmup,
    batch,
  });
  return {
    model,
    stages: [
      stage(
        "pretrain",
        pretrain,
        () => Array.from({ length: pretrain.batch }, () => curriculum.pretrain(text)),
      ),
      stage("instruct", instruct, () => [
        ...Array.from({ length: instruct.batch - replayed }, () => curriculum.chat(chat)),
        ...Array.from({ length: replayed }, () => curriculum.replay(text)),
      ]),
    ],
  };
}

/** Trains an organism's base from scratch on its curriculum; returns it with the stages' final losses. */
export function trainOnCurriculum(
  name: string,
  config: CurriculumConfig,
  world: { vocabulary: Vocabulary },
  curriculum: BaseCurriculum,
  options: { quiet: boolean },
): { model: Transformer; provenance: Record<string, unknown> } {
  const { model, stages } = curriculumStages(config, world, curriculum);
  const [pretrainResult, instructResult] = trainLanguageModel(model, stages, {
    padId: world.vocabulary.id("<pad>"),
    label: `${name} base`,
    quiet: options.quiet,
  });
  const provenance = {
    pretrainFinalLoss: pretrainResult!.finalLoss,
    instructFinalLoss: instructResult!.finalLoss,
  };
  return { model, provenance };
}
