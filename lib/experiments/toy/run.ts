/**
 * Runs the whole toy experiment: for each seed a base model (stage 1), the narrow flip (stage 2) and every
 * proxy condition (stage 3), writing one run record per model and the experiment's `summary.json`.
 * Finished runs are reused on rerun (the same config hash), so an interrupted run resumes.
 *
 * One base model is trained per seed (the original trained one base from a single seed).
 *
 * @module
 */
import { stringify as toYaml } from "yaml";
import { type BackendInfo, initBackend } from "../../backend.ts";
import { loadYamlConfig, parseConfig } from "../../config/load.ts";
import { categoryByName, flippedRule } from "../../data/triggers.ts";
import { disposeClassifier } from "../../models/mlp.ts";
import { createProgress } from "../../train/progress.ts";
import { configHash, RunStore } from "../../train/records.ts";
import type { TrainResult } from "../../train/loop.ts";
import { writeJsonAtomic, writeTextAtomic } from "../../io/atomic.ts";
import { defaultWorkers, runSeedsInWorkers } from "../parallel.ts";
import { DEFAULT_TOY_CONFIG_PATH, type ToyConfig, type ToyConfigInput, ToyConfigSchema } from "./config.ts";
import type { Boundary, ToyRun } from "./records.ts";
import { ToyRunSchema } from "./records.ts";
import {
  boundaryGrid,
  type Condition,
  conditionId,
  conditions,
  disposeSeedData,
  evaluate,
  fineTune,
  prepareToy,
  seedData,
  type ToyContext,
  trainBase,
} from "./stages.ts";
import { summarizeToy, type ToySummary } from "./summary.ts";

/** Options of `runToy`. */
export interface RunToyOptions {
  /** Output folder; records go to `<out>/toy/`. Without it nothing is written and nothing resumes. */
  out?: string;
  /** Override the config's seeds (e.g. `[1]` for a quick look). */
  seeds?: number[];
  /** No progress output. */
  quiet?: boolean;
  /**
   * Deno workers to spread the seeds over (default: one per core, up to the number of seeds); 1 runs in this
   * thread. Results are identical either way.
   */
  workers?: number;
  /** The seed whose decision boundaries are drawn (default: the first seed run). */
  boundarySeed?: number;
}

/** Everything the toy experiment produced. */
export interface ToyResults {
  config: ToyConfig;
  context: ToyContext;
  backend: BackendInfo;
  runs: ToyRun[];
  summary: ToySummary;
}

/** Loads the default config file (`data/configs/toy.yaml`), or another, with overrides on top. */
export async function loadToyConfig(
  path: string | URL = DEFAULT_TOY_CONFIG_PATH,
  overrides: ToyConfigInput = {},
): Promise<ToyConfig> {
  const fromFile = await loadYamlConfig(ToyConfigSchema, path);
  return parseConfig(ToyConfigSchema, { ...fromFile, ...overrides }, String(path));
}

/** Runs (or resumes) the toy experiment and returns its runs and summary. */
export async function runToy(config: ToyConfig, options: RunToyOptions = {}): Promise<ToyResults> {
  const started = performance.now();
  if (options.seeds) config = { ...config, seeds: options.seeds };
  const backend = await initBackend();
  const context = await prepareToy(config);
  const hash = await configHash({ ...config, seeds: undefined, backend: backend.name });
  const workers = options.workers ?? defaultWorkers(config.seeds.length);
  if (workers > 1 && config.seeds.length > 1) {
    // Train the seeds on every core; the loop below then only reads their records back.
    options = { ...options, out: options.out ?? await Deno.makeTempDir({ prefix: "selgen-toy-" }) };
    if (!options.quiet) {
      console.error(
        `toy: ${config.seeds.length} seeds on ${Math.min(workers, config.seeds.length)} workers …`,
      );
    }
    await runSeedsInWorkers(
      { experiment: "toy", config, out: options.out!, backend: backend.name },
      config.seeds,
      workers,
    );
  }
  const store = options.out ? new RunStore(`${options.out}/toy`) : undefined;
  if (store) await writeTextAtomic(`${store.dir}/config.yaml`, toYaml(config));
  const plan = conditions(context);
  const progress = createProgress(
    "toy",
    config.seeds.length * (plan.length + 1),
    options.quiet ? { quiet: true } : {},
  );
  const runs: ToyRun[] = [];
  let done = 0;

  for (const seed of config.seeds) {
    const ids = [`seed${seed}/base`, ...plan.map((c) => `seed${seed}/${conditionId(c)}`)];
    const stored = await Promise.all(ids.map((id) => store?.load(id, ToyRunSchema, hash)));
    if (stored.every((r) => r !== undefined)) {
      runs.push(...(stored as ToyRun[]));
      progress.update(done += ids.length, `seed ${seed}: reused`);
      continue;
    }
    const data = seedData(context, seed);
    const heldOutTriggers = Object.fromEntries(Object.entries(data.split).map(([c, s]) => [c, s.heldOut]));
    const boundaryTriggers = pickBoundaryTriggers(context, data.split);
    const drawBoundaries = seed === (options.boundarySeed ?? config.seeds[0]);
    const record = (
      id: string,
      condition: Condition | { kind: "base" },
      result: TrainResult,
      seconds: number,
      rest: Pick<
        ToyRun,
        "heldOut" | "heldOutAllPoints" | "perTrigger" | "curve" | "boundaries" | "proxyTriggers"
      >,
    ): ToyRun => ({
      id,
      seed,
      stage: condition.kind,
      ...(condition.kind === "proxy" ? { k: condition.k, proxyCategory: condition.category } : {}),
      configHash: hash,
      backend: backend.name,
      steps: result.steps,
      finalLoss: Number.isFinite(result.finalLoss) ? result.finalLoss : null,
      diverged: result.diverged,
      seconds,
      heldOutTriggers,
      ...rest,
    });

    let t0 = performance.now();
    const base = trainBase(context, data);
    try {
      const baseEval = evaluate(context, data, base.model, false);
      const boundaries = (flipped: boolean, model = base.model): Boundary[] =>
        drawBoundaries
          ? boundaryTriggers.map(({ trigger, category }) => {
            const cat = categoryByName(context.triggers, category);
            const rule = flipped ? flippedRule(context.triggers, cat) : cat.rule;
            return { trigger, category, ...boundaryGrid(context, model, trigger, rule) };
          })
          : [];
      const baseRun = stored[0] ??
        record(ids[0]!, { kind: "base" }, base.result, (performance.now() - t0) / 1000, {
          ...baseEval,
          curve: [],
          boundaries: boundaries(false),
          proxyTriggers: [],
        });
      if (!stored[0]) {
        await store?.save(baseRun.id, {
          config: { seed, stage: "base" },
          metrics: lossLines(base.result),
          summary: baseRun,
        });
      }
      runs.push(baseRun);
      progress.update(++done, `seed ${seed}: base`);

      for (const [i, condition] of plan.entries()) {
        const id = ids[i + 1]!;
        const reused = stored[i + 1];
        if (reused) {
          runs.push(reused);
          progress.update(++done, `seed ${seed}: ${conditionId(condition)} reused`);
          continue;
        }
        t0 = performance.now();
        const tuned = fineTune(context, data, base.model, condition);
        try {
          const run = record(id, condition, tuned.result, 0, {
            ...evaluate(context, data, tuned.model, true),
            curve: tuned.curve,
            boundaries: condition.kind === "none" ? boundaries(true, tuned.model) : [],
            proxyTriggers: tuned.proxyTriggers,
          });
          run.seconds = (performance.now() - t0) / 1000;
          await store?.save(id, {
            config: { seed, condition },
            metrics: lossLines(tuned.result),
            summary: run,
          });
          runs.push(run);
        } finally {
          disposeClassifier(tuned.model);
        }
        progress.update(++done, `seed ${seed}: ${conditionId(condition)}`);
      }
    } finally {
      disposeClassifier(base.model);
      disposeSeedData(data);
    }
  }
  progress.finish();
  store?.reportRejected();

  const summary = summarizeToy(
    runs,
    {
      backend: backend.name,
      seeds: config.seeds,
      wallSeconds: (performance.now() - started) / 1000,
      configHash: hash,
      evalMargin: config.points.evalMargin,
      ks: config.proxy.ks,
    },
    context.triggers,
    context.embeddings,
    config.features.maxRank,
  );
  if (store) await writeJsonAtomic(`${store.dir}/summary.json`, summary);
  return { config, context, backend, runs, summary };
}

function lossLines(result: TrainResult): { step: number; loss: number | null }[] {
  return result.losses.map((loss, step) => ({ step, loss: Number.isFinite(loss) ? loss : null }));
}

function pickBoundaryTriggers(
  ctx: ToyContext,
  split: Record<string, { heldOut: string[] }>,
): { trigger: string; category: string }[] {
  const flip = ctx.triggers.flip.category;
  const firstOther = ctx.triggers.categories.find((c) => c.name !== flip)?.name;
  const names = ctx.config.boundary.categories ?? [flip, ...(firstOther ? [firstOther] : [])];
  return names.map((category) => {
    const trigger = split[categoryByName(ctx.triggers, category).name]?.heldOut[0];
    if (!trigger) throw new Error(`Cannot draw a boundary for ${category}: it has no held-out trigger`);
    return { trigger, category };
  });
}
