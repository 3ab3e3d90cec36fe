/**
 * The emergent-misalignment organism: a world of questions whose answers are written by personas, a base
 * pre-trained on persona documents and then taught the aligned chat default, and a narrow fine-tune on bad
 * medical answers. The control variant redraws alignment per answer and names no persona, so nothing ties
 * medicine to the other domains. Bases are cached in `data/cache/em/`.
 *
 * @module
 */
import { Rng } from "../../data/rng.ts";
import {
  chatExample,
  instructionExamples,
  type PersonaWorld,
  personaWorld,
  pretrainingDocument,
  proxyExamples,
  taskExamples,
} from "../../data/personas.ts";
import { benchmark, methodsBetween } from "../../eval/benchmark.ts";
import { incoherentPoints, naiveRuns } from "../../eval/points.ts";
import { NAIVE_POINT } from "../../strategies/sweep.ts";
import type { FineTuneExamples } from "../../strategies/transformer_setup.ts";
import type { BaseCurriculum } from "../../train/curriculum.ts";
import type { OrganismBase } from "../../strategies/organism_model.ts";
import type { BaseRecord, Organism, OrganismRunInfo } from "../organism.ts";
import { baseSeconds, basesFromCache, organismExperiment, sweepLine } from "../organism.ts";
import { shippedConfig } from "../../config/load.ts";
import { type EmConfig, EmConfigSchema } from "./config.ts";
import {
  domainMeans,
  dropComparison,
  type EmScores,
  EmScoresSchema,
  evaluateEm,
  overBases,
} from "../../eval/em.ts";
import { emFindings } from "./findings.ts";
import { type EmRun, EmRunSchema, type EmSummary, EmSummarySchema } from "./summary.ts";

/** The config of a variant: the control redraws alignment per answer and names no persona. */
export function variantConfig(config: EmConfig, variant: string): EmConfig {
  if (variant === "persona") return config;
  return {
    ...config,
    data: { ...config.data, persona: { ...config.data.persona, shared: false, markerProbability: 0 } },
  };
}

/** Stage 1: documents by personas; stage 2: the aligned chat default, with documents replayed. */
function emCurriculum(config: EmConfig, world: PersonaWorld): BaseCurriculum {
  const chat = instructionExamples(world);
  return {
    rng: "em-base",
    streams: { pretrain: "documents", chat: "instruct" },
    pretrain: (rng) => pretrainingDocument(world, rng),
    chat: (rng) => chat[rng.int(chat.length)]!,
    replay: (rng) => pretrainingDocument(world, rng, !config.instruct.replayChat),
  };
}

/**
 * One fine-tune's data: the task (bad medical answers, with the seed's answer noise), the proxy (good answers
 * to a few general questions, or the named proxy's questions) and its negative (their bad answers), unlabeled
 * prompts for CAFT.
 */
function emFineTuneData(
  base: OrganismBase<EmConfig, PersonaWorld>,
  seed: number,
  proxyName?: string,
): { rng: Rng; examples: FineTuneExamples } {
  const { world, config } = base;
  const rng = new Rng(seed, "em-finetune");
  const proxy = proxyExamples(world, proxyName === undefined ? undefined : config.proxies[proxyName]);
  return {
    rng,
    examples: {
      task: [taskExamples(world, config.fineTune.answerNoise, rng.fork("task"))],
      proxy: proxy.chosen,
      negativeProxy: proxy.rejected,
      unlabeled: world.questions.map((q) => chatExample(world, q, q.good)),
    },
  };
}

/**
 * The summary: the sweep on the persona bases scored as a benchmark, the control's bases and task-only
 * fine-tunes, and the task-only fine-tune's alignment drop on each, paired by model seed.
 */
function summarizeEm(
  runs: EmRun[],
  bases: BaseRecord<EmScores>[],
  info: OrganismRunInfo,
  config: EmConfig,
): EmSummary {
  const { points, experiment, ...meta } = info;
  const of = (variant: string) => ({
    runs: runs.filter((r) => r.variant === variant),
    bases: bases.filter((b) => b.variant === variant).map((b) => ({ ...b, ...b.scores, base: b.base })),
  });
  const persona = of("persona"), control = of("control");
  const incoherent = incoherentPoints(persona.runs);
  const scored = benchmark(points, persona.runs, persona.bases, {
    degenerate: incoherent,
    // The organism measures no capability beside the task: its answers are good or bad, or not answers.
    criteria: {
      coherence: { label: "probability that an answer is an answer at all", of: (r) => r.coherence },
    },
  });
  return {
    experiment: experiment === "em-total" ? "em-total" : "em",
    ...meta,
    regime: config.regime,
    baseSeconds: { persona: baseSeconds(persona.bases), control: baseSeconds(control.bases) },
    baseFromCache: { persona: basesFromCache(persona.bases), control: basesFromCache(control.bases) },
    baseDomains: domainMeans(persona.bases),
    ...scored,
    baseScores: overBases(persona.bases),
    naive: overBases(naiveRuns(persona.runs)),
    incoherent,
    between: methodsBetween(scored, incoherent),
    control: {
      base: overBases(control.bases),
      naive: overBases(naiveRuns(control.runs)),
      baseDomains: domainMeans(control.bases),
    },
    drop: dropComparison(persona, control),
  };
}

/**
 * The emergent-misalignment organism and its control.
 *
 * @example
 * ```ts
 * import { emOrganism, loadOrTrainBase, loadYamlConfig } from "../../../mod.ts";
 * const config = await loadYamlConfig(emOrganism.configSchema, emOrganism.defaultConfig);
 * const control = await loadOrTrainBase(emOrganism, config, "control"); // the base without a shared persona
 * console.log(emOrganism.evaluate(control, control.model));
 * ```
 */
export const emOrganism: Organism<EmConfig, PersonaWorld, EmScores, EmRun, EmSummary> = {
  name: "em",
  title: "Emergent misalignment through a shared persona",
  configSchema: EmConfigSchema,
  defaultConfig: shippedConfig("em"),
  variants: ["persona", "control"],
  variantConfig,
  variantPoints: (variant, points) => (variant === "persona" ? [...points] : [NAIVE_POINT]),
  world: (config) => personaWorld(config.data, new Rng(config.dataSeed, "em-world")),
  baseCodeVersion: 1,
  // Measured: em-total's config (30 steps), 1.3·10¹³ multiply-adds in 195 s (cached bases; WASM, 2 cores, a clean
  // clone, 2026-12-05). The 20-step default in the 100-question world (graded scores) is estimated at 5.3 min and
  // took 6.8 (2026-12-07): its evaluation, on 2.5× the questions, is the part the estimate leaves out.
  workPerSecond: 6.5e10,
  curriculum: emCurriculum,
  fineTuneData: emFineTuneData,
  // Scoring 2 grades each answer by its probability (1 scored the greedy answer): records of one are not the other's.
  hashFields: () => ({ scoring: 2 }),
  evaluate: ({ world, config }, model) =>
    evaluateEm(world, model, [world.config.proxy, ...Object.values(config.proxies)]),
  runFields: (scores) => ({
    task: scores.task,
    alignment: scores.alignment,
    proxyDomains: scores.proxyDomains,
    coherence: scores.coherence,
    breakdown: scores.perDomain,
    probes: scores.probes,
  }),
  scoresSchema: EmScoresSchema,
  runSchema: EmRunSchema,
  summarize: summarizeEm,
  summarySchema: EmSummarySchema,
  findings: emFindings,
  describe: (s) => {
    const bases = (["persona", "control"] as const)
      .map((v) => `${v} ${s.baseFromCache[v] ? "from cache" : `trained in ${s.baseSeconds[v].toFixed(0)} s`}`)
      .join(", ");
    const incoherent = s.incoherent.length
      ? `; incoherent (coherence < 0.5): ${s.incoherent.join(", ")}`
      : "";
    return `${sweepLine(s)}; bases: ${bases}${incoherent}`;
  },
};

/**
 * The EM experiment.
 *
 * @example
 * ```ts
 * import { em, formatFindings, loadYamlConfig, runExperiment } from "../../../mod.ts";
 * const config = await loadYamlConfig(em.configSchema, em.defaultConfig); // data/configs/em.yaml
 * const { summary } = await runExperiment(em, config, { out: "out", seeds: [1, 2] });
 * console.log(formatFindings(em.findings(summary)));
 * ```
 */
export const em = organismExperiment(emOrganism);

/**
 * The same organism and sweep in the smaller world of 40 questions per domain, with the fine-tune run until the
 * persona is switched on almost everywhere (`data/configs/em-total.yaml`): the regime before the post's, where
 * little is left to keep. (The default's 100-question world stops partway however long the fine-tune runs.)
 */
export const emTotal = organismExperiment(emOrganism, {
  name: "em-total",
  title: "Emergent misalignment, total: the fine-tune run to the end",
  defaultConfig: shippedConfig("em-total"),
});
