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
import { type Classifier, disposeClassifier } from "../../models/mlp.ts";
import { fineTuneBatched, type FineTuned, trainBasesBatched } from "./batched.ts";
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
  type SeedData,
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
  /**
   * Train each stage's models as one ensemble (default true): the seeds' bases together, then each seed's
   * fine-tunes together. false trains them one by one (for debugging and the benchmark's comparison).
   */
  batched?: boolean;
  /**
   * This call is one worker's share of a larger run: it writes its run records only, and the caller writes
   * `summary.json` once every share is done (so a run killed mid-way never leaves a summary of part of it).
   */
  workerShare?: boolean;
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
  const batched = options.batched ?? true;
  // Unbatched runs differ from batched ones by float rounding only, but are kept apart so a comparison is real.
  const hash = await configHash({
    ...config,
    seeds: undefined,
    backend: backend.name,
    ...(batched ? {} : { unbatched: true }),
  });
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
      {
        experiment: "toy",
        config,
        out: options.out!,
        backend: backend.name,
        batched: options.batched ?? true,
      },
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

  const pending: { seed: number; ids: string[]; stored: (ToyRun | undefined)[] }[] = [];
  for (const seed of config.seeds) {
    const ids = [`seed${seed}/base`, ...plan.map((c) => `seed${seed}/${conditionId(c)}`)];
    const stored = await Promise.all(ids.map((id) => store?.load(id, ToyRunSchema, hash)));
    if (stored.every((r) => r !== undefined)) {
      runs.push(...(stored as ToyRun[]));
      progress.update(done += ids.length, `seed ${seed}: reused`);
    } else pending.push({ seed, ids, stored });
  }
  // Stage 1 for every seed with work left (a base's weights are not stored, so it is retrained).
  const datas = pending.map(({ seed }) => seedData(context, seed));
  let t0 = performance.now();
  let bases: ReturnType<typeof trainBase>[];
  try {
    bases = batched ? trainBasesBatched(context, datas) : datas.map((d) => trainBase(context, d));
  } catch (error) {
    datas.forEach(disposeSeedData);
    throw error;
  }
  const baseSeconds = (performance.now() - t0) / 1000 / Math.max(1, datas.length);

  // Each seed releases its data and base when done; on an error, the seeds not reached are released too.
  let reached = 0;
  try {
    for (const [index, { seed, ids, stored }] of pending.entries()) {
      reached = index + 1;
      const data = datas[index]!;
      const base = bases[index]!;
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
          record(ids[0]!, { kind: "base" }, base.result, baseSeconds, {
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
        for (const [i, reused] of stored.slice(1).entries()) {
          if (reused) {
            runs.push(reused);
            progress.update(++done, `seed ${seed}: ${conditionId(plan[i]!)} reused`);
          }
        }

        const missing = plan.flatMap((c, i) => (stored[i + 1] ? [] : [{ condition: c, id: ids[i + 1]! }]));
        t0 = performance.now();
        const tuned = batched
          ? fineTuneBatched(context, data, base.model, missing.map((m) => m.condition))
          : fineTuneOneByOne(context, data, base.model, missing.map((m) => m.condition));
        const seconds = (performance.now() - t0) / 1000 / Math.max(1, missing.length);
        try {
          for (const [i, { condition, id }] of missing.entries()) {
            const run = tuned.runs[i]!;
            const saved = record(id, condition, run.result, seconds, {
              ...run.evaluation,
              curve: run.curve,
              boundaries: condition.kind === "none" ? boundaries(true, run.classifier()) : [],
              proxyTriggers: run.proxyTriggers,
            });
            await store?.save(id, {
              config: { seed, condition },
              metrics: lossLines(run.result),
              summary: saved,
            });
            runs.push(saved);
            progress.update(++done, `seed ${seed}: ${conditionId(condition)}`);
          }
        } finally {
          tuned.release();
        }
      } finally {
        disposeClassifier(base.model);
        disposeSeedData(data);
      }
    }
  } finally {
    for (let i = reached; i < pending.length; i++) {
      disposeClassifier(bases[i]!.model);
      disposeSeedData(datas[i]!);
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
  if (store && !options.workerShare) await writeJsonAtomic(`${store.dir}/summary.json`, summary);
  return { config, context, backend, runs, summary };
}

/** The unbatched stages 2–3 with the batched path's result shape (one `fineTune` per condition). */
function fineTuneOneByOne(
  ctx: ToyContext,
  data: SeedData,
  base: Classifier,
  conditions: readonly Condition[],
): { runs: FineTuned[]; release(): void } {
  const models: Classifier[] = [];
  try {
    const runs = conditions.map((condition): FineTuned => {
      const { model, result, proxyTriggers, curve } = fineTune(ctx, data, base, condition);
      models.push(model);
      return {
        condition,
        result,
        proxyTriggers,
        curve,
        evaluation: evaluate(ctx, data, model, true),
        classifier: () => model,
      };
    });
    return { runs, release: () => models.forEach(disposeClassifier) };
  } catch (error) {
    models.forEach(disposeClassifier);
    throw error;
  }
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
