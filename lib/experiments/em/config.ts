/**
 * The emergent-misalignment organism's config: data, transformer, the two base-training stages,
 * the narrow fine-tune (with its "gentleness" knobs) and the strategy sweep.
 *
 * @module
 */
import { z } from "zod";
import { BasesSchema, SeedsSchema } from "../../config/seeds.ts";
import { checkProxies, PersonaDataSchema, PersonaProxySchema } from "../../data/personas.ts";
import { LoraSchema } from "../../models/lora.ts";
import { TransformerSchema } from "../../models/transformer.ts";
import { checkProxyNames, SweepSchema } from "../../strategies/sweep.ts";
import { StageSchema } from "../../train/curriculum.ts";

/** Schema of `data/configs/em.yaml`. */
export const EmConfigSchema = z.strictObject({
  /** Fine-tune seeds (LoRA initialisation, data order), run on every base. */
  seeds: SeedsSchema([1, 2]),
  /** The seed of the world (its facts and answers), shared by every base. */
  dataSeed: z.int().default(0),
  /** Independent bases, by model seed (initialisation and data order); each is trained and cached. */
  bases: BasesSchema,
  data: PersonaDataSchema.prefault({}),
  model: TransformerSchema.prefault({}),
  /** Stage 1: documents by personas, loss on every token. */
  pretrain: StageSchema(1500, 3e-3).prefault({}),
  /** Stage 2: the aligned chat default, mixed with pre-training documents. */
  instruct: StageSchema(1000, 1e-3).extend({
    /** Share of each batch that is pre-training documents. */
    pretrainShare: z.number().min(0).max(1).default(0.5),
    /**
     * Replay documents in chat form too. Off by default: replaying misaligned chat documents keeps the assistant's
     * chat default ambiguous (base alignment 0.79 with it, see notebook 03); plain-form replay keeps the facts.
     */
    replayChat: z.boolean().default(false),
  }).prefault({}),
  /** The narrow fine-tune, full-batch on the task items; steps, rate and answer noise set its "gentleness". */
  fineTune: z.strictObject({
    /** 13 leaves alignment partial (`data/configs/em.yaml`); 30 switches the persona on everywhere. */
    steps: z.int().positive().max(1_000_000).default(13),
    learningRate: z.number().positive().default(3e-3),
    lora: LoraSchema.prefault({ rank: 8 }),
    /** Share of task items given their good answer instead (a gentler, noisier task). */
    answerNoise: z.number().min(0).max(1).default(0),
  }).prefault({}),
  /**
   * What the naive fine-tune is meant to leave, which the findings judge: `partial` alignment (between 0.2 and
   * 0.7 outside the task and the proxy's domains, the post's regime: its Qwen3-8B kept 64.5% of general answers
   * aligned) or `total` misalignment (at most 0.2). Set it with `fineTune.steps`: the shipped configs pair 13
   * steps with `partial` and 30 with `total`. Not part of the records' hash: it changes no number.
   */
  regime: z.enum(["partial", "total"]).default("partial"),
  /**
   * Named proxies that a sweep entry may train with (`proxy: name`) instead of `data.proxy`, for experiments on
   * proxy quality. Alignment is then scored outside the domains of all of them (and `data.proxy`'s), on
   * questions none of them uses, so that every point of the run is scored alike.
   */
  proxies: z.record(z.string(), PersonaProxySchema).default({}),
  /** Strategies compared on the organism (each grid expanded; task-only is always run as "naive"). */
  strategies: SweepSchema.default([]),
}).superRefine((c, ctx) => {
  const names = Object.keys(c.proxies);
  checkProxyNames(c.strategies, names, ctx);
  if (names.length) { // data.proxy itself is checked with the data
    const pathOf = (i: number) => ["proxies", names[i]!];
    checkProxies(c.data, Object.values(c.proxies), ctx, pathOf, c.data.proxy.domains);
  }
});

/** A validated EM config. */
export type EmConfig = z.output<typeof EmConfigSchema>;
