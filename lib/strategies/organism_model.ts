/**
 * An organism's model half: how its base is trained (cached, keyed by config and code version), one seed's
 * fine-tune data, and how a model is scored — and the functions that train a base, and fine-tune and score it
 * with a strategy, one seed or several as one ensemble. The experiment half (records, summary, findings) is
 * `lib/experiments/organism.ts`.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import type { z } from "zod";
import type { Rng } from "../data/rng.ts";
import type { Vocabulary } from "../data/vocabulary.ts";
import type { Transformer, TransformerConfig } from "../models/transformer.ts";
import { memberTransformer } from "../models/transformer_members.ts";
import { disposeTransformerAdapters } from "../models/transformer_view.ts";
import { baseModelKey, cachedTransformer } from "../train/cached_model.ts";
import { type BaseCurriculum, trainOnCurriculum } from "../train/curriculum.ts";
import { secondsSince, type StrategyRunFields, strategyRunFields } from "../train/records.ts";
import { fineTuneMembers, fineTuneWith } from "./finetune.ts";
import { strategyByName } from "./registry.ts";
import { expandSweep, NAIVE_POINT, type SweepEntry, type SweepPoint } from "./sweep.ts";
import {
  type FineTuneExamples,
  type LoraFineTune,
  loraMembersSetup,
  loraSetup,
} from "./transformer_setup.ts";

/** What every organism's config has. */
export interface OrganismConfig {
  seeds: number[];
  dataSeed: number;
  /** Model seeds of the independent bases. */
  bases: number[];
  data: unknown;
  model: TransformerConfig;
  pretrain: unknown;
  instruct: unknown;
  fineTune: LoraFineTune;
  /** Named proxies a sweep entry may train with instead of the organism's own (proxy-quality experiments). */
  proxies?: Record<string, unknown>;
  strategies: SweepEntry[];
}

/** A base model ready to fine-tune, and where it came from. */
export interface OrganismBase<C, W> {
  variant: string;
  /** The model seed it was trained with (initialisation and data order). */
  modelSeed: number;
  config: C;
  world: W;
  model: Transformer;
  /** The cache key: a hash of everything that determines the weights. */
  key: string;
  /** Seconds spent training it now (0 when loaded from the cache). */
  trainedSeconds: number;
  fromCache: boolean;
}

/** A scored fine-tune: the fields every organism's run record has beside its id and provenance. */
export type FineTuneFields = Omit<
  z.output<z.ZodObject<typeof StrategyRunFields>>,
  "id" | "configHash" | "backend"
>;

/**
 * What an organism defines to train a base and fine-tune it: `F` is its own record fields from a model's
 * scores `Sc` (the experiment half adds the rest; `docs/engine.md` walks through adding an organism).
 */
export interface OrganismModel<C extends OrganismConfig, W extends { vocabulary: Vocabulary }, Sc, F> {
  name: string;
  /** Bump when a code change alters what base training computes, so older caches are retrained. */
  baseCodeVersion: number;
  /**
   * Variants with their own base (e.g. the persona organism and its control); the first is the organism.
   * Default: one, `base`, with the config as it is and every sweep point.
   */
  variants?: readonly string[];
  variantConfig?(config: C, variant: string): C;
  world(config: C): W;
  /** The base's two training stages' examples (see `trainOnCurriculum`). */
  curriculum(config: C, world: W): BaseCurriculum;
  /**
   * One seed's fine-tune data as examples, and the seed's random stream (adapters, copies and strategies fork
   * from it). Members of an ensemble read positions together, so the proxy, its negative and the unlabeled
   * inputs must score the same number of tokens for every seed (fix them by the data seed, as both organisms
   * do); the task may differ. `proxy` names one of the config's `proxies` to use instead of the organism's own.
   */
  fineTuneData(
    base: OrganismBase<C, W>,
    seed: number,
    proxy?: string,
  ): { rng: Rng; examples: FineTuneExamples };
  evaluate(base: OrganismBase<C, W>, model: Transformer): Sc;
  /** The organism's own record fields from a fine-tune's scores. */
  runFields(scores: Sc): F;
}

/** An organism's variants: its own, or the one default variant `base`. */
export function variantsOf(organism: { variants?: readonly string[] }): readonly string[] {
  return organism.variants ?? ["base"];
}

/** The folder of every organism's cached bases, `data/cache/` (one folder per organism). */
export const CACHE_ROOT: string = fileURLToPath(new URL("../../data/cache/", import.meta.url));

/** Where an organism's bases are cached by default. */
export function organismCacheDir(name: string): string {
  return `${CACHE_ROOT}${name}`;
}

/**
 * Where a variant's base is cached: the file stem `<dir>/<variant>-<key>` (`.bin` weights, `.json` manifest),
 * the key a hash of all that determines its weights; `dir` is `cacheDir` or the organism's default.
 */
export async function baseCachePath<C extends OrganismConfig>(
  // deno-lint-ignore no-explicit-any
  organism: OrganismModel<C, any, any, any>,
  config: C,
  variant: string,
  modelSeed: number,
  cacheDir: string = organismCacheDir(organism.name),
): Promise<{ path: string; key: string }> {
  const cfg = organism.variantConfig?.(config, variant) ?? config;
  const key = await baseModelKey({ ...cfg, modelSeed }, organism.baseCodeVersion);
  return { path: `${cacheDir}/${variant}-${key}`, key };
}

/**
 * Loads a variant's base (by default the config's first) from the cache when its key matches; otherwise (or
 * with `retrain`) trains and caches it.
 *
 * @example
 * ```ts
 * import { loadOrTrainBase, loadYamlConfig, sycophancy, sycophancyOrganism } from "../../mod.ts";
 * const config = await loadYamlConfig(sycophancy.configSchema, sycophancy.defaultConfig);
 * // From data/cache/sycophancy/ when its key matches the config; else trained now (minutes) and cached.
 * const base = await loadOrTrainBase(sycophancyOrganism, config);
 * console.log(`${base.fromCache ? "from the cache" : "trained"}; vocabulary ${base.world.vocabulary.size}`);
 * ```
 */
export async function loadOrTrainBase<C extends OrganismConfig, W extends { vocabulary: Vocabulary }>(
  // deno-lint-ignore no-explicit-any
  organism: OrganismModel<C, W, any, any>,
  config: C,
  variant: string = variantsOf(organism)[0]!,
  options: { modelSeed?: number; retrain?: boolean; cacheDir?: string; quiet?: boolean; backend?: string } =
    {},
): Promise<OrganismBase<C, W>> {
  const cfg = organism.variantConfig?.(config, variant) ?? config;
  const modelSeed = options.modelSeed ?? config.bases[0]!;
  const world = organism.world(cfg);
  const { path, key } = await baseCachePath(organism, config, variant, modelSeed, options.cacheDir);
  const cached = await cachedTransformer({
    path,
    key,
    vocabSize: world.vocabulary.size,
    config: cfg.model,
    ...(options.retrain ? { retrain: true } : {}),
    train: () => {
      const curriculum = organism.curriculum(cfg, world);
      const quiet = options.quiet ?? false;
      const stages = { ...cfg, modelSeed } as never;
      const { model, provenance } = trainOnCurriculum(organism.name, stages, world, curriculum, { quiet });
      const extra = { backend: options.backend ?? "unknown", codeVersion: organism.baseCodeVersion };
      return { model, provenance: { variant, modelSeed, ...provenance, ...extra } };
    },
  });
  return { variant, modelSeed, config: cfg, world, ...cached, key };
}

/**
 * The same base with other fine-tune settings, e.g. EM's "gentleness" knobs (fewer steps, noisy answers).
 *
 * @example
 * ```ts
 * import { em, emOrganism, loadOrTrainBase, loadYamlConfig, withFineTune } from "../../mod.ts";
 * const persona = await loadOrTrainBase(emOrganism, await loadYamlConfig(em.configSchema, em.defaultConfig));
 * const gentle = withFineTune(persona, { steps: 10, answerNoise: 0.3 }); // same weights, gentler fine-tune
 * ```
 */
export function withFineTune<C extends OrganismConfig, W>(
  base: OrganismBase<C, W>,
  settings: Partial<C["fineTune"]>,
): OrganismBase<C, W> {
  return { ...base, config: { ...base.config, fineTune: { ...base.config.fineTune, ...settings } } };
}

/**
 * Fine-tunes a base with one strategy point and seed, and scores it.
 *
 * @example
 * ```ts
 * import { em, emOrganism, fineTunePoint, loadOrTrainBase, loadYamlConfig, NAIVE_POINT } from "../../mod.ts";
 * const persona = await loadOrTrainBase(emOrganism, await loadYamlConfig(em.configSchema, em.defaultConfig));
 * const run = fineTunePoint(emOrganism, persona, NAIVE_POINT, 1); // the task-only fine-tune, seed 1
 * console.log(`task ${run.task.toFixed(2)}, alignment ${run.alignment.toFixed(2)}`);
 * ```
 */
export function fineTunePoint<C extends OrganismConfig, W extends { vocabulary: Vocabulary }, Sc, F>(
  organism: OrganismModel<C, W, Sc, F>,
  base: OrganismBase<C, W>,
  point: SweepPoint,
  seed: number,
): FineTuneFields & F {
  const t0 = performance.now();
  const { rng, examples } = organism.fineTuneData(base, seed, point.proxy);
  using setup = loraSetup(base.model, base.config.fineTune, rng, examples, padOf(base));
  const strategy = strategyByName(point.strategy);
  const result = fineTuneWith(strategy, point.params, setup.context, { onStep: setup.onStep });
  const scores = organism.evaluate(base, setup.model);
  return { ...strategyRunFields(point, seed, result, secondsSince(t0)), ...organism.runFields(scores) };
}

/**
 * `fineTunePoint` for several seeds as one ensemble (a member per seed): each seed's fields, the numbers it
 * gets alone (up to float rounding), with the ensemble's seconds shared evenly.
 *
 * @example
 * ```ts
 * import { em, emOrganism, fineTuneSeeds, loadOrTrainBase, loadYamlConfig, NAIVE_POINT } from "../../mod.ts";
 * const persona = await loadOrTrainBase(emOrganism, await loadYamlConfig(em.configSchema, em.defaultConfig));
 * const runs = fineTuneSeeds(emOrganism, persona, NAIVE_POINT, [1, 2, 3]); // three seeds, one program
 * console.log(runs.map((r) => r.alignment.toFixed(2)).join(" "));
 * ```
 */
export function fineTuneSeeds<C extends OrganismConfig, W extends { vocabulary: Vocabulary }, Sc, F>(
  organism: OrganismModel<C, W, Sc, F>,
  base: OrganismBase<C, W>,
  point: SweepPoint,
  seeds: readonly number[],
): (FineTuneFields & F)[] {
  const t0 = performance.now();
  const data = seeds.map((seed) => organism.fineTuneData(base, seed, point.proxy));
  using setup = loraMembersSetup(
    base.model,
    base.config.fineTune,
    data.map((d) => d.rng),
    data.map((d) => d.examples),
    padOf(base),
  );
  const strategy = strategyByName(point.strategy);
  const results = fineTuneMembers(strategy, point.params, setup.context, { onStep: setup.onStep });
  const scores = seeds.map((_, m) => {
    const member = memberTransformer(setup.model, m);
    try {
      return organism.evaluate(base, member);
    } finally {
      disposeTransformerAdapters(member);
    }
  });
  const seconds = secondsSince(t0) / seeds.length;
  return seeds.map((seed, m) => ({
    ...strategyRunFields(point, seed, results[m]!, seconds),
    ...organism.runFields(scores[m]!),
  }));
}

/** The padding token every organism's vocabulary has. */
function padOf(base: OrganismBase<OrganismConfig, { vocabulary: Vocabulary }>): number {
  return base.world.vocabulary.id("<pad>");
}

/** Every point an organism's config runs: the naive (task-only) fine-tune first, then the sweep. */
export function organismPoints(config: OrganismConfig): SweepPoint[] {
  const points = expandSweep(config.strategies);
  return [NAIVE_POINT, ...points.filter((p) => p.id !== NAIVE_POINT.id)];
}
