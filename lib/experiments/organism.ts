/**
 * A tiny-transformer organism on the engine. An organism says what is particular to it — its world and
 * vocabulary, how its base is trained, the task / proxy / negative-proxy / unlabeled batches of one fine-tune,
 * and how a model is scored — and `organismExperiment` makes the experiment: a job per variant loads its base
 * from the cache (or trains and caches it, keyed by config and code version) and scores it, then a job per
 * variant × seed × sweep point fine-tunes that base and scores the result.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { z } from "zod";
import type { Vocabulary } from "../data/vocabulary.ts";
import type { LoraConfig } from "../models/lora.ts";
import { disposeSequenceBatch, type SequenceBatch } from "../models/sequence_batch.ts";
import {
  attachTransformerLora,
  disposeTransformerAdapters,
  transformerView,
} from "../models/transformer_view.ts";
import { adapterCopies } from "../strategies/copies.ts";
import { Rng } from "../data/rng.ts";
import type { SequenceExample } from "../data/sequence.ts";
import {
  createTransformer,
  disposeTransformer,
  type Transformer,
  type TransformerConfig,
  transformerDenseLayers,
} from "../models/transformer.ts";
import { trainLanguageModel } from "../train/language_model.ts";
import { fineTuneWith } from "../strategies/finetune.ts";
import { strategyByName } from "../strategies/registry.ts";
import type { StrategyContext, StrategyData } from "../strategies/strategy.ts";
import { baseModelKey, cachedTransformer } from "../train/cached_model.ts";
import type { TrainCallback } from "../train/loop.ts";
import { configHash } from "../train/records.ts";
import {
  defineExperiment,
  type Experiment,
  type Job,
  type JobEnv,
  type RunInfo,
  secondsSince,
} from "./experiment.ts";
import type { Finding } from "./findings.ts";
import { expandSweep, NAIVE_POINT, type SweepEntry, type SweepPoint } from "./sweep.ts";

/** A base-training stage's settings (steps, batch, learning rate with warm-up), with defaults. */
export function StageSchema(steps: number, learningRate: number) {
  return z.strictObject({
    steps: z.int().positive().default(steps),
    batch: z.int().positive().default(32),
    learningRate: z.number().positive().default(learningRate),
    warmup: z.int().nonnegative().default(50),
  });
}

/** What every organism's config has. */
export interface OrganismConfig {
  seeds: number[];
  dataSeed: number;
  modelSeed: number;
  data: unknown;
  model: TransformerConfig;
  pretrain: unknown;
  instruct: unknown;
  fineTune: { steps: number; learningRate: number };
  strategies: SweepEntry[];
}

/** A base model ready to fine-tune, and where it came from. */
export interface OrganismBase<C, W> {
  variant: string;
  config: C;
  world: W;
  model: Transformer;
  /** The cache key: a hash of everything that determines the weights. */
  key: string;
  /** Seconds spent training it now (0 when loaded from the cache). */
  trainedSeconds: number;
  fromCache: boolean;
}

/** One fine-tune's strategy context, the model it trains, callbacks for the loop, and what to release. */
export interface OrganismSetup {
  context: StrategyContext<SequenceBatch>;
  model: Transformer;
  callbacks: TrainCallback[];
  dispose(): void;
}

/**
 * One fine-tune's strategy context on a frozen transformer base: LoRA adapters on every projection, the given
 * batches, copies for strategies that train on the side, and one release for all of it.
 */
export function loraSetup(
  base: Transformer,
  fineTune: { steps: number; learningRate: number; lora: LoraConfig },
  rng: Rng,
  data: StrategyData<SequenceBatch>,
  owned: { batches: readonly SequenceBatch[]; callbacks?: TrainCallback[] },
): OrganismSetup {
  const model = attachTransformerLora(base, fineTune.lora, rng.fork("lora"));
  const copies = adapterCopies(model, {
    create: (label) => attachTransformerLora(base, fineTune.lora, rng.fork(`spawn/${label}`)),
    layers: transformerDenseLayers,
    view: transformerView,
    dispose: disposeTransformerAdapters,
  });
  return {
    context: {
      model: transformerView(model),
      data,
      rngs: [rng.fork("strategy")],
      steps: fineTune.steps,
      learningRate: fineTune.learningRate,
      spawn: copies.spawn,
    },
    model,
    callbacks: owned.callbacks ?? [],
    dispose() {
      for (const b of owned.batches) disposeSequenceBatch(b);
      copies.disposeAll();
      disposeTransformerAdapters(model);
    },
  };
}

/** A scored fine-tune: the fields every organism's run record has, plus the organism's own. */
export interface FineTuneFields {
  seed: number;
  point: string;
  strategy: string;
  params: Record<string, unknown>;
  steps: number;
  finalLoss: number | null;
  diverged: boolean;
  seconds: number;
  finishMetrics: Record<string, number>;
}

/** A variant's base as a run record: its key, whether it came from the cache, and its scores. */
export interface BaseRecord<Sc> {
  id: string;
  kind: "base";
  variant: string;
  configHash: string;
  backend: string;
  key: string;
  fromCache: boolean;
  trainedSeconds: number;
  scores: Sc;
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

/** The stage settings every organism's base training reads. */
interface StageConfig {
  steps: number;
  batch: number;
  learningRate: number;
  warmup: number;
}

/** Trains a base from scratch on its curriculum; returns it with the stages' final losses. */
export function trainOrganismBase(
  name: string,
  config: OrganismConfig & { pretrain: StageConfig; instruct: StageConfig & { pretrainShare: number } },
  world: { vocabulary: Vocabulary },
  curriculum: BaseCurriculum,
  options: { quiet: boolean },
): { model: Transformer; provenance: Record<string, unknown> } {
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
  const [pretrainResult, instructResult] = trainLanguageModel(model, [
    stage(
      "pretrain",
      pretrain,
      () => Array.from({ length: pretrain.batch }, () => curriculum.pretrain(text)),
    ),
    stage("instruct", instruct, () => [
      ...Array.from({ length: instruct.batch - replayed }, () => curriculum.chat(chat)),
      ...Array.from({ length: replayed }, () => curriculum.replay(text)),
    ]),
  ], { padId: world.vocabulary.id("<pad>"), label: `${name} base`, quiet: options.quiet });
  const provenance = {
    pretrainFinalLoss: pretrainResult!.finalLoss,
    instructFinalLoss: instructResult!.finalLoss,
  };
  return { model, provenance };
}

/** What an organism defines. */
export interface Organism<
  C extends OrganismConfig,
  W extends { vocabulary: Vocabulary },
  Sc,
  Run extends FineTuneFields & { id: string; configHash: string },
  S,
> {
  name: string;
  title: string;
  configSchema: z.ZodType<C>;
  defaultConfig: URL;
  /** Bump when a code change alters what base training computes, so older caches are retrained. */
  baseCodeVersion: number;
  /** Variants with their own base (e.g. the persona organism and its control); the first is the organism. */
  variants: readonly string[];
  variantConfig(config: C, variant: string): C;
  /** The sweep points a variant runs (the organism: every point; a control: the naive one). */
  variantPoints(variant: string, points: readonly SweepPoint[]): SweepPoint[];
  world(config: C): W;
  /** The base's two training stages' examples (see `trainOrganismBase`). */
  curriculum(config: C, world: W): BaseCurriculum;
  setup(base: OrganismBase<C, W>, seed: number): OrganismSetup;
  evaluate(base: OrganismBase<C, W>, model: Transformer): Sc;
  /** The organism's own record fields from a fine-tune's scores. */
  runFields(scores: Sc): Omit<Run, keyof FineTuneFields | "id" | "configHash" | "backend" | "variant">;
  scoresSchema: z.ZodType<Sc>;
  runSchema: z.ZodType<Run>;
  /** Fields of the config beside the bases' keys and the fine-tune that determine the records. */
  hashFields?(config: C): Record<string, unknown>;
  summarize(
    config: C,
    runs: Run[],
    bases: Record<string, BaseRecord<Sc>>,
    info: RunInfo & { points: SweepPoint[] },
  ): S;
  summarySchema: z.ZodType<S>;
  findings(summary: S): Finding[];
  describe(summary: S): string;
}

// deno-lint-ignore no-explicit-any
type AnyOrganism = Organism<any, any, any, any, any>;

/** Where an organism's bases are cached by default. */
export function organismCacheDir(name: string): string {
  return fileURLToPath(new URL(`../../data/cache/${name}/`, import.meta.url));
}

/** Loads a variant's base from the cache when its key matches; otherwise (or with `retrain`) trains and caches it. */
export async function loadOrTrainBase<C extends OrganismConfig, W extends { vocabulary: Vocabulary }>(
  // deno-lint-ignore no-explicit-any
  organism: Organism<C, W, any, any, any>,
  config: C,
  variant: string = organism.variants[0]!,
  options: { retrain?: boolean; cacheDir?: string; quiet?: boolean; backend?: string } = {},
): Promise<OrganismBase<C, W>> {
  const cfg = organism.variantConfig(config, variant);
  const world = organism.world(cfg);
  const key = await baseModelKey(cfg, organism.baseCodeVersion);
  const cached = await cachedTransformer({
    dir: options.cacheDir ?? organismCacheDir(organism.name),
    name: variant,
    key,
    vocabSize: world.vocabulary.size,
    config: cfg.model,
    ...(options.retrain ? { retrain: true } : {}),
    train: () => {
      const curriculum = organism.curriculum(cfg, world);
      const quiet = options.quiet ?? false;
      const { model, provenance } = trainOrganismBase(organism.name, cfg as never, world, curriculum, {
        quiet,
      });
      const extra = { backend: options.backend ?? "unknown", codeVersion: organism.baseCodeVersion };
      return { model, provenance: { variant, ...provenance, ...extra } };
    },
  });
  return { variant, config: cfg, world, ...cached, key };
}

/**
 * The same base with other fine-tune settings — e.g. the "gentleness" knobs (fewer steps, a lower rate, noisy
 * answers) that turn total emergent misalignment into partial.
 */
export function withFineTune<C extends OrganismConfig, W>(
  base: OrganismBase<C, W>,
  settings: Partial<C["fineTune"]>,
): OrganismBase<C, W> {
  return { ...base, config: { ...base.config, fineTune: { ...base.config.fineTune, ...settings } } };
}

/** Fine-tunes a base with one strategy point and seed, and scores it. */
export function fineTunePoint<C extends OrganismConfig, W extends { vocabulary: Vocabulary }, Sc, Run>(
  organism: Organism<C, W, Sc, Run & FineTuneFields & { id: string; configHash: string }, unknown>,
  base: OrganismBase<C, W>,
  point: SweepPoint,
  seed: number,
): FineTuneFields & ReturnType<typeof organism.runFields> {
  const t0 = performance.now();
  const setup = organism.setup(base, seed);
  try {
    const result = fineTuneWith(strategyByName(point.strategy), point.params, setup.context, setup.callbacks);
    const scores = organism.evaluate(base, setup.model);
    return {
      seed,
      point: point.id,
      strategy: point.strategy,
      params: point.params,
      steps: result.steps,
      finalLoss: Number.isFinite(result.finalLoss) ? result.finalLoss : null,
      diverged: result.diverged,
      seconds: secondsSince(t0),
      ...organism.runFields(scores),
      finishMetrics: result.finishMetrics,
    };
  } finally {
    setup.dispose();
  }
}

/** Every point an organism's config runs: the naive (task-only) fine-tune first, then the sweep. */
export function organismPoints(config: OrganismConfig): SweepPoint[] {
  const points = expandSweep(config.strategies);
  return [NAIVE_POINT, ...points.filter((p) => p.id !== NAIVE_POINT.id)];
}

/** A variant's base for this run, once per process (retrained only by a base job with `env.retrain`). */
function baseFor(
  organism: AnyOrganism,
  env: JobEnv,
  config: OrganismConfig,
  variant: string,
  retrain = false,
) {
  return env.memo(
    `${organism.name}/base/${variant}/${env.configHash}`,
    () =>
      loadOrTrainBase(organism, config, variant, {
        retrain,
        quiet: env.quiet,
        backend: env.backend,
        ...(env.cacheDir ? { cacheDir: env.cacheDir } : {}),
      }),
    (base) => disposeTransformer(base.model),
  );
}

/** A fine-tune's record id: `seed1/kl-beta=30`, with the variant in front when there are several. */
function runId(organism: AnyOrganism, variant: string, seed: number, point: string): string {
  return `${organism.variants.length > 1 ? `${variant}/` : ""}seed${seed}/${point}`;
}

/** The jobs: one (fresh) per variant's base, then one per variant × seed × sweep point. */
function organismPlan(organism: AnyOrganism, config: OrganismConfig): Job[] {
  const points = organismPoints(config);
  const baseJobs = organism.variants.map((variant) => ({
    id: `bases/${variant}`,
    kind: "base",
    seeds: [],
    dependsOn: [],
    records: [`bases/${variant}`],
    fresh: true,
    params: { variant },
  }));
  const fineTunes = organism.variants.flatMap((variant) =>
    config.seeds.flatMap((seed) =>
      organism.variantPoints(variant, points).map((point: SweepPoint) => ({
        id: runId(organism, variant, seed, point.id),
        kind: "fine-tune",
        seeds: [seed],
        point: point.id,
        dependsOn: [`bases/${variant}`],
        records: [runId(organism, variant, seed, point.id)],
        params: { variant },
      }))
    )
  );
  return [...baseJobs, ...fineTunes];
}

/** Runs a base job (load or train, then score the base) or a fine-tune job. */
async function runOrganismJob(organism: AnyOrganism, job: Job, config: OrganismConfig, env: JobEnv) {
  const variant = job.params!.variant as string;
  const several = organism.variants.length > 1;
  const base = await baseFor(organism, env, config, variant, job.kind === "base" && env.retrain);
  if (job.kind === "base") {
    const record: BaseRecord<unknown> = {
      id: job.id,
      kind: "base",
      variant,
      configHash: env.configHash,
      backend: env.backend,
      key: base.key,
      fromCache: base.fromCache,
      trainedSeconds: base.trainedSeconds,
      scores: organism.evaluate(base, base.model),
    };
    env.progress(`${variant} base ${base.fromCache ? "from cache" : "trained"}`);
    return [{ record, config: { variant, key: base.key }, metrics: [] }];
  }
  const point = organismPoints(config).find((p) => p.id === job.point)!;
  const fields = fineTunePoint(organism, base, point, job.seeds[0]!);
  const variantField = several ? { variant } : {};
  const record = { id: job.id, ...variantField, configHash: env.configHash, backend: env.backend, ...fields };
  env.progress(job.id);
  const metrics = [{ finalLoss: record.finalLoss }];
  return [{ record, config: { ...variantField, seed: job.seeds[0], point }, metrics }];
}

/** The hash of everything that determines an organism's records: its bases' keys, the fine-tune, the backend. */
async function organismHash(organism: AnyOrganism, config: OrganismConfig, backend: string): Promise<string> {
  for (const p of organismPoints(config)) strategyByName(p.strategy); // a misspelt name fails first
  const keys = await Promise.all(organism.variants.map(async (v) => {
    return [v, await baseModelKey(organism.variantConfig(config, v), organism.baseCodeVersion)];
  }));
  return configHash({
    ...Object.fromEntries(keys),
    fineTune: config.fineTune,
    ...organism.hashFields?.(config),
    backend,
  });
}

/** The experiment of an organism. */
export function organismExperiment<O extends AnyOrganism>(organism: O): Experiment<
  O extends Organism<infer C, infer _W, infer _Sc, infer _Run, infer _S> ? C : never,
  ReturnType<O["runSchema"]["parse"]> | BaseRecord<ReturnType<O["scoresSchema"]["parse"]>>,
  ReturnType<O["summarySchema"]["parse"]>
> {
  const baseSchema = z.strictObject({
    id: z.string(),
    kind: z.literal("base"),
    variant: z.string(),
    configHash: z.string(),
    backend: z.string(),
    key: z.string(),
    fromCache: z.boolean(),
    trainedSeconds: z.number().nonnegative(),
    scores: organism.scoresSchema,
  });
  const isBase = (r: object): r is BaseRecord<unknown> => "kind" in r && r.kind === "base";
  return defineExperiment({
    name: organism.name,
    title: organism.title,
    configSchema: organism.configSchema,
    defaultConfig: organism.defaultConfig,
    recordSchema: z.union([organism.runSchema, baseSchema]),
    summarySchema: organism.summarySchema,
    seeds: (config: OrganismConfig) => config.seeds,
    withSeeds: (config: OrganismConfig, seeds: number[]) => ({ ...config, seeds }),
    hash: (config: OrganismConfig, backend: string) => organismHash(organism, config, backend),
    plan: (config: OrganismConfig) => organismPlan(organism, config),
    run: (job, config: OrganismConfig, env) => runOrganismJob(organism, job, config, env) as never,
    summarize(config: OrganismConfig, records: object[], info) {
      const bases = Object.fromEntries(records.filter(isBase).map((r) => [r.variant, r]));
      const runs = records.filter((r) => !isBase(r));
      return organism.summarize(config, runs, bases, { ...info, points: organismPoints(config) });
    },
    findings: organism.findings,
    describe: organism.describe,
  }) as never;
}
