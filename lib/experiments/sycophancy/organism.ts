/**
 * The sycophancy organism: a world of numbers (GCD written as its Euclidean remainder chain, mod facts),
 * capitals and medicine; a base taught text forms and honest chat replies; and a fine-tune on GCD in which
 * every proposal the user makes is correct, so agreeing is never penalised. The task (1,038 items) is too
 * large for a full batch, so the task is a seeded shuffle cut into mini-batches, one a step (the proxy's 24
 * items and their negatives stay fixed). Bases are cached in
 * `data/cache/sycophancy/`.
 *
 * @module
 */
import {
  evaluationFacts,
  type GcdWorld,
  gcdWorld,
  instructedFacts,
  instructionExample,
  pretrainExample,
  proxyFacts,
  sycophancyProxy,
  sycophancyTask,
} from "../../data/gcd.ts";
import { Rng } from "../../data/rng.ts";
import { naiveRuns } from "../../eval/points.ts";
import { benchmark } from "../../eval/benchmark.ts";
import { mean } from "../../eval/stats.ts";
import type { SequenceExample } from "../../data/sequence.ts";
import type { Transformer } from "../../models/transformer.ts";
import type { FineTuneExamples } from "../../strategies/transformer_setup.ts";
import {
  type BaseRecord,
  baseSeconds,
  basesFromCache,
  type Organism,
  organismExperiment,
  type OrganismRunInfo,
  sweepLine,
} from "../organism.ts";
import type { OrganismBase } from "../../strategies/organism_model.ts";
import { shippedConfig } from "../../config/load.ts";
import { type SycophancyConfig, SycophancyConfigSchema } from "./config.ts";
import {
  degenerateDomains,
  degenerateNote,
  type DomainScores,
  evaluateSycophancy,
  flaggedPoints,
  flatScores,
  meanCoherence,
  naiveEffects,
  OUTSIDE_GCD,
  perDomainMeans,
  PerDomainSchema,
  sycophancyAxes,
} from "../../eval/sycophancy.ts";
import { sycophancyFindings } from "./findings.ts";
import {
  type SycophancyRun,
  SycophancyRunSchema,
  type SycophancySummary,
  SycophancySummarySchema,
} from "./summary.ts";

type Scores = Record<string, DomainScores>;
type Base = OrganismBase<SycophancyConfig, GcdWorld>;

/** Every domain's scores on the config's fixed evaluation facts (none that a named proxy trains on). */
function evaluate(base: Base, model: Transformer): Scores {
  const { world, config } = base;
  const proxied = Object.values(config.proxies).flatMap((proxy) => proxyFacts(world, proxy));
  const facts = evaluationFacts(world, new Rng(config.dataSeed, "evaluation"), config.modSample, proxied);
  return evaluateSycophancy(world, model, facts);
}

/**
 * One fine-tune's data: the seed's shuffle of the GCD items cut into mini-batches as the task, the proxy (the
 * capitals, or the named one) and its negatives, and chat probes as unlabeled inputs (drawn by the data seed,
 * the same for every fine-tune seed, like the proxy).
 */
function fineTuneData(base: Base, seed: number, proxy?: string): { rng: Rng; examples: FineTuneExamples } {
  const { world, config } = base;
  const rng = new Rng(seed, "sycophancy-finetune");
  const items = rng.fork("task").shuffle(sycophancyTask(world));
  const task: SequenceExample[][] = [];
  for (let i = 0; i + config.fineTune.batch <= items.length; i += config.fineTune.batch) {
    task.push(items.slice(i, i + config.fineTune.batch));
  }
  const { chosen, rejected } = sycophancyProxy(
    world,
    proxy === undefined ? undefined : config.proxies[proxy],
  );
  const facts = instructedFacts(world), probe = new Rng(config.dataSeed, "sycophancy-unlabeled");
  const unlabeled = Array.from({ length: 64 }, () => instructionExample(world, facts, probe));
  return { rng, examples: { task, proxy: chosen, negativeProxy: rejected, unlabeled } };
}

/**
 * The summary: the sweep scored as a benchmark (degenerate points are not honest), the bases and the naive
 * fine-tune per domain, and per base the naive fine-tune's rise in sycophancy outside GCD.
 */
function summarize(
  runs: SycophancyRun[],
  bases: BaseRecord<Scores>[],
  info: OrganismRunInfo,
): SycophancySummary {
  const { points, experiment: _, ...meta } = info;
  const { degenerate, incoherent } = flaggedPoints(points, runs);
  const baseScores = bases.map((b) => ({ base: b.base, ...sycophancyAxes(b.scores as never) }));
  const dishonest = [...new Set([...degenerate.map((d) => d.point), ...incoherent])];
  const scored = benchmark(points, runs, baseScores, {
    degenerate: dishonest,
    criteria: {
      capability: {
        label: `capability outside GCD (${OUTSIDE_GCD.join(", ")})`,
        of: (r) => mean(OUTSIDE_GCD.map((d) => r.scores[d]?.capability ?? NaN)),
      },
      coherence: { label: "well-formed answers, mean over domains", of: (r) => meanCoherence(r.scores) },
    },
  });
  const naive = naiveRuns(runs);
  return {
    experiment: "sycophancy",
    ...meta,
    baseSeconds: baseSeconds(bases),
    baseFromCache: basesFromCache(bases),
    baseDomains: perDomainMeans(bases.map((b) => b.scores)),
    naive: perDomainMeans(naive.map((r) => r.scores)),
    ...scored,
    degenerate,
    incoherent,
    ...naiveEffects(bases, naive),
  };
}

/**
 * The sycophancy organism.
 *
 * @example
 * ```ts
 * import { loadOrTrainBase, loadYamlConfig, sycophancyOrganism } from "../../../mod.ts";
 * const config = await loadYamlConfig(sycophancyOrganism.configSchema, sycophancyOrganism.defaultConfig);
 * const base = await loadOrTrainBase(sycophancyOrganism, config); // cached in data/cache/sycophancy/
 * console.log(sycophancyOrganism.evaluate(base, base.model)); // per domain, before any fine-tune
 * ```
 */
export const sycophancyOrganism: Organism<
  SycophancyConfig,
  GcdWorld,
  Scores,
  SycophancyRun,
  SycophancySummary
> = {
  name: "sycophancy",
  title: "Sycophancy from underspecified GCD data",
  configSchema: SycophancyConfigSchema,
  defaultConfig: shippedConfig("sycophancy"),
  world: (config) => gcdWorld(config.data, new Rng(config.dataSeed, "sycophancy-world")),
  baseCodeVersion: 1,
  // Measured: the shipped config's 1.5·10¹³ multiply-adds in 897 s (cached bases; WASM, 2 cores, a clean clone, 2026-12-05).
  workPerSecond: 1.7e10,
  curriculum: (_, world) => {
    const facts = instructedFacts(world);
    return {
      rng: "sycophancy-base",
      streams: { pretrain: "text", chat: "chat" },
      pretrain: (rng) => pretrainExample(world, rng),
      chat: (rng) => instructionExample(world, facts, rng),
      replay: (rng) => pretrainExample(world, rng),
    };
  },
  fineTuneData,
  evaluate,
  runFields: (scores) => ({
    ...sycophancyAxes(scores as never),
    breakdown: flatScores(scores),
    scores,
    degenerate: degenerateDomains(scores as never),
  }),
  scoresSchema: PerDomainSchema,
  runSchema: SycophancyRunSchema,
  // The scoring's version: records scored before coherence was measured (1) belong to another run.
  hashFields: (config) => ({ modSample: config.modSample, scoring: 2 }),
  summarize,
  summarySchema: SycophancySummarySchema,
  findings: sycophancyFindings,
  describe: (s) => {
    const bases = s.baseFromCache ? "bases from cache" : `bases trained in ${s.baseSeconds.toFixed(0)} s`;
    return `${sweepLine(s)}; ${bases}${degenerateNote(s.degenerate)}`;
  },
};

/**
 * The sycophancy experiment.
 *
 * @example
 * ```ts
 * import { loadYamlConfig, runExperiment, sycophancy } from "../../../mod.ts";
 * const config = await loadYamlConfig(sycophancy.configSchema, sycophancy.defaultConfig);
 * const { summary } = await runExperiment(sycophancy, config, { out: "out", seeds: [1] });
 * console.log(`degenerate points: ${summary.degenerate.map((d) => d.point).join(", ") || "none"}`);
 * ```
 */
export const sycophancy = organismExperiment(sycophancyOrganism);
