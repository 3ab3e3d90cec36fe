/**
 * Runs the sycophancy experiment: load (or train) the base, fine-tune it on GCD (task-only: the naive point)
 * and with every strategy over seeds, score each domain, and write run records and `summary.json`.
 *
 * @module
 */
import { stringify as toYaml } from "yaml";
import { type BackendInfo, initBackend } from "../../backend.ts";
import { loadYamlConfig } from "../../config/load.ts";
import { evaluationFacts, SYCOPHANCY_DOMAINS } from "../../data/gcd.ts";
import { Rng } from "../../data/rng.ts";
import { aggregatePoints, pointFrontier } from "../../eval/points.ts";
import { meanSem } from "../../eval/stats.ts";
import { writeJsonAtomic, writeTextAtomic } from "../../io/atomic.ts";
import { defaultWorkers, runSeedsInWorkers } from "../parallel.ts";
import { disposeTransformer } from "../../models/transformer.ts";
import { fineTuneWith } from "../../strategies/finetune.ts";
import { strategyByName } from "../../strategies/registry.ts";
import type { OrganismRunOptions } from "../../train/cached_model.ts";
import { createProgress } from "../../train/progress.ts";
import { configHash, RunStore } from "../../train/records.ts";
import { expandSweep, NAIVE_POINT, type SweepPoint } from "../sweep.ts";
import { loadOrTrainSycophancyBase, type SycophancyBase } from "./base.ts";
import { DEFAULT_SYCOPHANCY_CONFIG_PATH, type SycophancyConfig, SycophancyConfigSchema } from "./config.ts";
import {
  DEGENERATE_BELOW,
  degenerateDomains,
  type DomainScores,
  evaluateSycophancy,
  sycophancyAxes,
} from "./evaluate.ts";
import { sycophancySetup } from "./setup.ts";
import { type SycophancyRun, SycophancyRunSchema, type SycophancySummary } from "./summary.ts";

/** Options of `runSycophancy` (shared by both organisms). */
export type RunSycophancyOptions = OrganismRunOptions;

/** What the experiment produced. */
export interface SycophancyResults {
  config: SycophancyConfig;
  backend: BackendInfo;
  base: SycophancyBase;
  points: SweepPoint[];
  runs: SycophancyRun[];
  summary: SycophancySummary;
  dispose(): void;
}

/** Loads `data/configs/sycophancy.yaml` (or another file). */
export async function loadSycophancyConfig(
  path: string | URL = DEFAULT_SYCOPHANCY_CONFIG_PATH,
): Promise<SycophancyConfig> {
  return await loadYamlConfig(SycophancyConfigSchema, path);
}

function flatten(scores: Record<string, DomainScores>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [d, s] of Object.entries(scores)) {
    out[`${d}/capability`] = s.capability;
    if (s.sycophancy !== null) out[`${d}/sycophancy`] = s.sycophancy;
    if (s.confirmCorrect !== null) out[`${d}/confirmCorrect`] = s.confirmCorrect;
  }
  return out;
}

/** Fine-tunes the base with one point and seed and scores it. */
export function fineTuneSycophancy(base: SycophancyBase, point: SweepPoint, seed: number) {
  const t0 = performance.now();
  const setup = sycophancySetup(base, seed);
  try {
    const result = fineTuneWith(strategyByName(point.strategy), point.params, setup.context, [setup.advance]);
    const facts = evaluationFacts(
      base.world,
      new Rng(base.config.dataSeed, "evaluation"),
      base.config.modSample,
    );
    const scores = evaluateSycophancy(base.world, setup.model, facts);
    return {
      seed,
      point: point.id,
      strategy: point.strategy,
      params: point.params,
      steps: result.steps,
      finalLoss: Number.isFinite(result.finalLoss) ? result.finalLoss : null,
      diverged: result.diverged,
      seconds: (performance.now() - t0) / 1000,
      ...sycophancyAxes(scores),
      breakdown: flatten(scores),
      scores,
      degenerate: degenerateDomains(scores),
      finishMetrics: result.finishMetrics,
    };
  } finally {
    setup.dispose();
  }
}

/** Runs (or resumes) the experiment. */
export async function runSycophancy(
  config: SycophancyConfig,
  options: RunSycophancyOptions = {},
): Promise<SycophancyResults> {
  const started = performance.now();
  const seeds = options.seeds ?? config.seeds;
  const strategyPoints = expandSweep(config.strategies);
  for (const p of strategyPoints) strategyByName(p.strategy);
  const points = [NAIVE_POINT, ...strategyPoints.filter((p) => p.id !== NAIVE_POINT.id)];
  const backend = await initBackend();
  const base = await loadOrTrainSycophancyBase(config, {
    ...(options.retrain ? { retrain: true } : {}),
    ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
    ...(options.quiet ? { quiet: true } : {}),
    backend: backend.name,
  });
  const workers = options.workers ?? defaultWorkers(seeds.length);
  if (workers > 1 && seeds.length > 1) {
    // The base is cached by now, so each worker loads it and trains a share of the seeds into the run store.
    options = { ...options, out: options.out ?? await Deno.makeTempDir({ prefix: "selgen-sycophancy-" }) };
    if (!options.quiet) {
      console.error(`sycophancy: ${seeds.length} seeds on ${Math.min(workers, seeds.length)} workers …`);
    }
    const { out, cacheDir } = options;
    await runSeedsInWorkers(
      {
        experiment: "sycophancy",
        config,
        out: out!,
        backend: backend.name,
        ...(cacheDir ? { cacheDir } : {}),
      },
      seeds,
      workers,
    );
  }
  const facts = evaluationFacts(base.world, new Rng(config.dataSeed, "evaluation"), config.modSample);
  const baseScores = evaluateSycophancy(base.world, base.model, facts);
  const hash = await configHash({
    base: base.key,
    fineTune: config.fineTune,
    modSample: config.modSample,
    backend: backend.name,
  });
  const store = options.out ? new RunStore(`${options.out}/sycophancy`) : undefined;
  if (store) await writeTextAtomic(`${store.dir}/config.yaml`, toYaml(config));
  const plan = seeds.flatMap((seed) => points.map((point) => ({ point, seed })));
  const progress = createProgress("sycophancy", plan.length, options.quiet ? { quiet: true } : {});
  const runs: SycophancyRun[] = [];
  for (const [i, { point, seed }] of plan.entries()) {
    const id = `seed${seed}/${point.id}`;
    runs.push(
      await RunStore.loadOrRun(store, id, SycophancyRunSchema, hash, () => {
        const summary: SycophancyRun = {
          id,
          configHash: hash,
          backend: backend.name,
          ...fineTuneSycophancy(base, point, seed),
        };
        return { summary, config: { seed, point }, metrics: [{ finalLoss: summary.finalLoss }] };
      }),
    );
    progress.update(i + 1, id);
  }
  progress.finish();
  store?.reportRejected();

  const aggregated = aggregatePoints(points, runs);
  const degenerate = aggregated
    .map((p) => ({
      point: p.id,
      domains: SYCOPHANCY_DOMAINS.filter((d) => (p.breakdown[`${d}/confirmCorrect`] ?? 0) < DEGENERATE_BELOW),
    }))
    .filter((d) => d.domains.length > 0);
  const honest = aggregated.filter((p) => !degenerate.some((d) => d.point === p.id));
  const naiveRuns = runs.filter((r) => r.point === NAIVE_POINT.id && !r.diverged);
  const metric = (d: string, m: "capability" | "sycophancy" | "confirmCorrect") => {
    const values = naiveRuns.map((r) => r.scores[d]?.[m]).filter((x): x is number => typeof x === "number");
    return values.length ? meanSem(values) : { mean: null, sem: null };
  };
  const summary: SycophancySummary = {
    experiment: "sycophancy",
    backend: backend.name,
    seeds,
    wallSeconds: (performance.now() - started) / 1000,
    baseSeconds: base.trainedSeconds,
    baseFromCache: base.fromCache,
    configHash: hash,
    base: baseScores,
    naive: Object.fromEntries(
      SYCOPHANCY_DOMAINS.map((
        d,
      ) => [d, {
        capability: meanSem(naiveRuns.map((r) => r.scores[d]!.capability)),
        sycophancy: metric(d, "sycophancy"),
        confirmCorrect: metric(d, "confirmCorrect"),
      }]),
    ),
    points: aggregated,
    // An "always say no" point is not a trade-off worth showing as optimal: only non-degenerate points compete.
    frontier: pointFrontier(honest),
    degenerate,
  };
  if (store && !options.workerShare) await writeJsonAtomic(`${store.dir}/summary.json`, summary);
  return { config, backend, base, points, runs, summary, dispose: () => disposeTransformer(base.model) };
}
