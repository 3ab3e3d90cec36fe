/**
 * The organisms' rows of `deno task bench`. Per organism: its default sweep as `reproduce` runs it (cached
 * bases, a worker per core, every seed of a point as one ensemble); and the task-only fine-tune of every seed
 * on one thread three ways — each seed alone, the seeds as one ensemble, and the reference PyTorch loop
 * (`bench/organism_reference.py`) on the same base weights, mini-batches and steps, with each BLAS installed.
 * Training only (the reference has no evaluation), so that ratio compares the fine-tune loops per core. Then
 * one base trained afresh on one thread, beside the reference loop from the same initial weights on the same
 * batches (`--skip bases` leaves this out: it takes minutes).
 *
 * @module
 */
import { loadYamlConfig } from "../config/load.ts";
import { runExperiment } from "../experiments/driver.ts";
import { em, emOrganism } from "../experiments/em/organism.ts";
import type { Organism } from "../experiments/organism.ts";
import { loadOrTrainBase, type OrganismConfig } from "../strategies/organism_model.ts";
import type { Rng } from "../data/rng.ts";
import { counted, type Experiment } from "../experiments/experiment.ts";
import { sycophancy, sycophancyOrganism } from "../experiments/sycophancy/organism.ts";
import { hostSequenceBatch } from "../models/sequence_batch.ts";
import { disposeTransformer, type Transformer } from "../models/transformer.ts";
import type { Vocabulary } from "../data/vocabulary.ts";
import {
  type BaseCurriculum,
  type CurriculumConfig,
  curriculumStages,
  trainOnCurriculum,
} from "../train/curriculum.ts";
import { fineTuneMembers, fineTuneWith } from "../strategies/finetune.ts";
import { strategyByName } from "../strategies/registry.ts";
import { type FineTuneExamples, loraMembersSetup, loraSetup } from "../strategies/transformer_setup.ts";
import { secondsSince } from "../train/records.ts";
import {
  blasName,
  type PytorchRun,
  type ReferenceArray,
  referenceWriter,
  runEveryBlas,
  runFastestBlas,
} from "./pytorch.ts";

const REFERENCE = new URL("../../bench/organism_reference.py", import.meta.url);
const ORGANISMS = {
  sycophancy: { organism: sycophancyOrganism, experiment: sycophancy },
  em: { organism: emOrganism, experiment: em },
} as const;

// The two organisms' types differ; the bench needs only what every organism has.
// deno-lint-ignore no-explicit-any
type AnyOrganism = Organism<any, any, any, any, any>;
// deno-lint-ignore no-explicit-any
type AnyExperiment = Experiment<any, any, any>;

/** What the organism reference reports beside its time: each seed's final loss. */
type OrganismPytorchRun = PytorchRun & { runs: { seed: number; finalLoss: number }[] };

/** One organism's measurements. */
export interface OrganismBench {
  name: string;
  /** The default sweep on every core, bases from the cache. */
  sweep: { seconds: number; points: number; seeds: number; runs: number };
  /** One base trained afresh on one thread, beside the PyTorch loop (null when skipped). */
  base: BaseBench | null;
  /** Task-only fine-tunes of every seed, one thread. */
  taskOnly: {
    seeds: number[];
    steps: number;
    aloneSeconds: number;
    membersSeconds: number;
    finalLoss: number[];
    pytorch: { seconds: number; torch: string; blas: string[] | null; finalLoss: number[] }[];
  };
}

/** Measures one organism (see the module doc); `pytorch` false leaves the reference out, `bases` the base row. */
export async function organismBench(
  name: keyof typeof ORGANISMS,
  scratch: string,
  pytorch: boolean,
  bases = true,
): Promise<OrganismBench> {
  const { organism, experiment } = ORGANISMS[name] as { organism: AnyOrganism; experiment: AnyExperiment };
  const config: OrganismConfig = await loadYamlConfig(experiment.configSchema, experiment.defaultConfig);
  let started = performance.now();
  const { summary, records } = await runExperiment(experiment, config, {
    out: `${scratch}/${name}`,
    quiet: true,
  });
  const sweep = {
    seconds: secondsSince(started),
    points: summary.points.length,
    seeds: summary.seeds.length,
    runs: records.length,
  };
  const base = await loadOrTrainBase(organism, config, undefined, { quiet: true });
  try {
    const datas: { rng: Rng; examples: FineTuneExamples }[] = config.seeds.map((seed) =>
      organism.fineTuneData(base, seed)
    );
    const pad = base.world.vocabulary.id("<pad>"), taskOnly = strategyByName("task-only");
    started = performance.now();
    for (const { rng, examples } of datas) {
      using setup = loraSetup(base.model, config.fineTune, rng, examples, pad);
      fineTuneWith(taskOnly, {}, setup.context, { onStep: setup.onStep });
    }
    const aloneSeconds = secondsSince(started);
    started = performance.now();
    let finalLoss: number[];
    {
      const [rngs, examples] = [datas.map((d) => d.rng), datas.map((d) => d.examples)];
      using setup = loraMembersSetup(base.model, config.fineTune, rngs, examples, pad);
      finalLoss = fineTuneMembers(taskOnly, {}, setup.context, { onStep: setup.onStep }).map((r) =>
        r.finalLoss
      );
    }
    const membersSeconds = secondsSince(started);
    let references: OrganismPytorchRun[] = [];
    if (pytorch) {
      const dir = `${scratch}/${name}-reference`;
      const seeds = datas.map((d, i) => ({ seed: config.seeds[i]!, examples: d.examples }));
      await exportReference(dir, base.model, config, seeds, pad);
      references = await runEveryBlas<OrganismPytorchRun>(REFERENCE, dir, `${name} task-only`);
    }
    return {
      name,
      sweep,
      base: bases ? await baseBench(organism, config, `${scratch}/${name}-base`, pytorch) : null,
      taskOnly: {
        seeds: config.seeds,
        steps: config.fineTune.steps,
        aloneSeconds,
        membersSeconds,
        finalLoss,
        pytorch: references.map(({ seconds, torch, blas, runs }) => ({
          seconds,
          torch,
          blas,
          finalLoss: runs.map((r) => r.finalLoss),
        })),
      },
    };
  } finally {
    disposeTransformer(base.model);
  }
}

/** Writes the base's weights and each seed's task mini-batches for `bench/organism_reference.py`. */
async function exportReference(
  dir: string,
  model: Transformer,
  config: { model: object; fineTune: { steps: number; learningRate: number; lora: object } },
  seeds: readonly { seed: number; examples: FineTuneExamples }[],
  pad: number,
): Promise<void> {
  const write = await referenceWriter(dir);
  const weights = await exportWeights(write, model);
  const seedBatches = [];
  for (const { seed, examples } of seeds) {
    const batches = [];
    for (const batch of examples.task) {
      const host = hostSequenceBatch(batch, pad);
      batches.push({
        tokens: await write(host.tokens, [host.examples, host.length]),
        targets: await write(host.targets, [host.targets.length]),
        mask: await write(host.mask, [host.mask.length]),
      });
    }
    seedBatches.push({ seed, batches });
  }
  const manifest = {
    model: { ...config.model },
    fineTune: {
      steps: config.fineTune.steps,
      learningRate: config.fineTune.learningRate,
      ...config.fineTune.lora,
    },
    weights,
    seeds: seedBatches,
  };
  await Deno.writeTextFile(`${dir}/manifest.json`, JSON.stringify(manifest));
}

/** Writes every base weight of `model` for the reference (named as `bench/organism_reference.py` reads them). */
async function exportWeights(
  write: Awaited<ReturnType<typeof referenceWriter>>,
  model: Transformer,
): Promise<Record<string, ReferenceArray>> {
  const weights: Record<string, ReferenceArray> = {};
  const add = async (name: string, v: { dataSync(): unknown; shape: number[] }) => {
    weights[name] = await write(v.dataSync() as Float32Array, v.shape);
  };
  await add("wte", model.tokenEmbedding);
  await add("wpe", model.positionEmbedding);
  for (const [l, block] of model.blocks.entries()) {
    const { qkv, projection, up, down } = block;
    for (const [part, layer] of Object.entries({ qkv, projection, up, down })) {
      await add(`block${l}/${part}/kernel`, layer.kernel);
      await add(`block${l}/${part}/bias`, layer.bias);
    }
    for (const [part, norm] of Object.entries({ norm1: block.norm1, norm2: block.norm2 })) {
      await add(`block${l}/${part}/gain`, norm.gain);
      await add(`block${l}/${part}/bias`, norm.bias);
    }
  }
  await add("final-norm/gain", model.finalNorm.gain);
  await add("final-norm/bias", model.finalNorm.bias);
  return weights;
}

/** One base trained afresh, ours and PyTorch's, and each stage's final loss. */
export interface BaseBench {
  steps: number;
  seconds: number;
  finalLoss: { pretrain: number; instruct: number };
  pytorch: { seconds: number; torch: string; blas: string[] | null; finalLoss: number[] }[];
}

/**
 * Trains the organism's (first variant's) base afresh on this thread, as `reproduce --retrain` does but
 * without the cache; then, with `pytorch`, the reference loop from the same initial weights on the same
 * batches (a second copy of the curriculum replays them: its streams are seeded), on OpenBLAS where installed.
 */
export async function baseBench(
  organism: AnyOrganism,
  config: OrganismConfig,
  dir: string,
  pytorch: boolean,
): Promise<BaseBench> {
  const variant = organism.variantConfig?.(config, organism.variants?.[0] ?? "base") ?? config;
  const cfg = { ...variant, modelSeed: config.bases[0]! }; // the first base
  const world = organism.world(cfg);
  const started = performance.now();
  const trained = trainOnCurriculum(organism.name, cfg, world, organism.curriculum(cfg, world), {
    quiet: true,
  });
  const seconds = secondsSince(started);
  disposeTransformer(trained.model);
  const { pretrainFinalLoss, instructFinalLoss } = trained.provenance as Record<string, number>;
  const steps = cfg.pretrain.steps + cfg.instruct.steps;
  console.error(`bench: ${organism.name} base (${steps} steps), ${seconds.toFixed(1)} s`);
  let references: (PytorchRun & { runs: { finalLoss: number }[] })[] = [];
  if (pytorch) {
    await exportBase(dir, cfg, world, organism.curriculum(cfg, world));
    // One BLAS only, the fastest: on the reference BLAS a sycophancy base takes about ten minutes.
    references = [await runFastestBlas(REFERENCE, dir, `${organism.name} base`)];
  }
  return {
    steps,
    seconds,
    finalLoss: { pretrain: pretrainFinalLoss!, instruct: instructFinalLoss! },
    pytorch: references.map(({ seconds, torch, blas, runs }) => ({
      seconds,
      torch,
      blas,
      finalLoss: runs.map((r) => r.finalLoss),
    })),
  };
}

/** Writes a base's initial weights and every batch of its two stages, in order, for the reference. */
async function exportBase(
  dir: string,
  config: CurriculumConfig,
  world: { vocabulary: Vocabulary },
  curriculum: BaseCurriculum,
): Promise<void> {
  const write = await referenceWriter(dir);
  const pad = world.vocabulary.id("<pad>"), t = config.model.context;
  const { model, stages } = curriculumStages(config, world, curriculum);
  const weights = await exportWeights(write, model);
  disposeTransformer(model);
  const exported = [];
  for (const stage of stages) {
    // Batches are drawn in order, as training draws them; every one is `batch` × `t` (padded to the context).
    const first = stage.batch(), size = first.length * t;
    const tokens = new Int32Array(stage.steps * size), targets = new Int32Array(tokens.length);
    const mask = new Float32Array(tokens.length);
    for (let step = 0; step < stage.steps; step++) {
      const host = hostSequenceBatch(step === 0 ? first : stage.batch(), pad, t);
      tokens.set(host.tokens, step * size);
      targets.set(host.targets, step * size);
      mask.set(host.mask, step * size);
    }
    const { name, steps, learningRate, warmup } = stage;
    exported.push({
      name,
      steps,
      learningRate,
      warmup,
      tokens: await write(tokens, [steps, first.length, t]),
      targets: await write(targets, [steps, size]),
      mask: await write(mask, [steps, size]),
    });
  }
  const manifest = { model: { ...config.model }, weights, stages: exported };
  await Deno.writeTextFile(`${dir}/manifest.json`, JSON.stringify(manifest));
}

/** The organism's rows of the README's table. */
export function organismRows(bench: OrganismBench, workers: number): string[] {
  const { sweep, taskOnly } = bench;
  const f = (x: number, digits = 1) => x.toFixed(digits);
  const seeds = (n: number) => counted(n, "seed");
  const runs = `${seeds(taskOnly.seeds.length)} × ${taskOnly.steps} steps`;
  return [
    `| ${bench.name} default sweep (${sweep.points} points × ${seeds(sweep.seeds)}, ${workers} workers) | ${
      f(sweep.seconds)
    } | | |`,
    `| ${bench.name} task-only fine-tunes (${runs}), ensemble, 1 thread | ${
      f(taskOnly.membersSeconds)
    } | | 1.00 |`,
    `| ${bench.name} task-only fine-tunes, each seed alone, 1 thread | ${f(taskOnly.aloneSeconds)} | | ${
      f(taskOnly.aloneSeconds / taskOnly.membersSeconds, 2)
    } |`,
    ...taskOnly.pytorch.map((run) =>
      `| ${bench.name} task-only fine-tunes, PyTorch ${run.torch} (1 thread${blasName(run.blas)}) | ${
        f(run.seconds)
      } | | ${f(run.seconds / taskOnly.membersSeconds, 2)} |`
    ),
    ...(bench.base ? baseRows(bench.name, bench.base) : []),
  ];
}

/** A base's rows: ours, then the PyTorch loop with each BLAS (time ÷ ours). */
function baseRows(name: string, base: BaseBench): string[] {
  const f = (x: number, digits = 1) => x.toFixed(digits);
  return [
    `| ${name} base (${base.steps} steps), 1 thread | ${f(base.seconds)} | | 1.00 |`,
    ...base.pytorch.map((run) =>
      `| ${name} base, PyTorch ${run.torch} (1 thread${blasName(run.blas)}) | ${f(run.seconds)} | | ${
        f(run.seconds / base.seconds, 2)
      } |`
    ),
  ];
}
