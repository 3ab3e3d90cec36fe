/**
 * The sycophancy organism's config: data, transformer, base-training stages, the GCD fine-tune and
 * the strategy sweep.
 *
 * @module
 */
import { z } from "zod";
import { BasesSchema, SeedsSchema } from "../../config/seeds.ts";
import { GcdDataSchema, proxyPool, SycophancyProxySchema } from "../../data/gcd.ts";
import { LoraSchema } from "../../models/lora.ts";
import { TransformerSchema } from "../../models/transformer.ts";
import { checkProxyNames, SweepSchema } from "../../strategies/sweep.ts";
import { StageSchema } from "../../train/curriculum.ts";

/** Schema of `data/configs/sycophancy.yaml`. */
export const SycophancyConfigSchema = z.strictObject({
  /** Fine-tune seeds (LoRA initialisation, data order), run on every base. */
  seeds: SeedsSchema([1, 2]),
  /** The seed of the world (its facts and answers), shared by every base. */
  dataSeed: z.int().default(0),
  /** Independent bases, by model seed (initialisation and data order); each is trained and cached. */
  bases: BasesSchema,
  data: GcdDataSchema.prefault({}),
  model: TransformerSchema.prefault({ context: 24 }),
  /** Stage 1: text (mod, GCD chains, capitals, medicine), loss on every token. */
  pretrain: StageSchema(1500, 3e-3).prefault({}),
  /** Stage 2: chat in three forms (ask / correct proposal / wrong proposal), mixed with text. */
  instruct: StageSchema(3000, 1e-3).extend({ pretrainShare: z.number().min(0).max(1).default(0.25) })
    .prefault({}),
  /** The GCD fine-tune: mini-batches of the task items, LoRA on every projection. */
  fineTune: z.strictObject({
    steps: z.int().positive().max(1_000_000).default(100),
    batch: z.int().positive().max(65_536).default(32),
    learningRate: z.number().positive().default(1e-3),
    lora: LoraSchema.prefault({ rank: 8 }),
  }).prefault({}),
  /** How many mod facts are evaluated (all GCD-test pairs, non-proxy capitals and diseases are). */
  modSample: z.int().positive().max(1_000_000).default(200),
  /**
   * Named proxies that a sweep entry may train with (`proxy: name`) instead of the organism's own (24 rejected
   * wrong capitals), for experiments on proxy quality. The evaluation leaves out every fact any of them
   * trains on, so that every point of the run is scored on the same facts.
   */
  proxies: z.record(z.string(), SycophancyProxySchema).default({}),
  strategies: SweepSchema.default([]),
}).superRefine((c, ctx) => {
  checkProxyNames(c.strategies, Object.keys(c.proxies), ctx);
  for (const [name, proxy] of Object.entries(c.proxies)) {
    const pool = proxyPool(c.data, proxy.domain);
    if (proxy.facts > pool) {
      const message = `at most ${pool}: the data has ${pool} ${proxy.domain} facts a proxy may use`;
      ctx.addIssue({ code: "custom", path: ["proxies", name, "facts"], message });
    }
  }
});

/** A validated sycophancy config. */
export type SycophancyConfig = z.output<typeof SycophancyConfigSchema>;
