/**
 * The WebGPU rows of `deno task bench`: what the adapter Deno finds would do for the organisms. The EM
 * organism's fine-tune step as `reproduce em` runs it — the task-only fine-tune of M seeds as one ensemble of
 * LoRA adapters on its cached base: forward, backward and member-wise Adam — timed on WebGPU and on WASM in
 * this thread, with each step's losses read back asynchronously (the experiments' loop reads them
 * synchronously, which WebGPU cannot do under Deno: `WEBGPU_SYNC_READS`); and a 2-D matmul at the step's
 * largest product (the tied output layer's at M = 16) and at 1024³, in GFLOP/s. On a software adapter
 * (llvmpipe here) these check that the path runs, not a speed. Where WebGPU does not start, nothing is timed
 * and the row says why; an error on one backend ends that backend's row only.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { type BackendName, initBackend } from "../backend.ts";
import { loadYamlConfig, parseConfig } from "../config/load.ts";
import { emOrganism } from "../experiments/em/organism.ts";
import type { EmConfig } from "../experiments/em/config.ts";
import type { PersonaWorld } from "../data/personas.ts";
import { loadOrTrainBase, type OrganismBase } from "../strategies/organism_model.ts";
import { NAIVE_POINT } from "../strategies/sweep.ts";
import { strategyByName } from "../strategies/registry.ts";
import { loraMembersSetup, type TransformerSetup } from "../strategies/transformer_setup.ts";
import { disposeTransformer } from "../models/transformer.ts";
import type { MemberSequenceBatch } from "../models/transformer_members.ts";
import { MemberAdam } from "../train/member_adam.ts";
import { median } from "../eval/stats.ts";

/** One backend's timings, or why they stopped. */
export interface WebGpuBenchRow {
  /** The backend as run records name it (`webgpu: <adapter>`, `wasm`). */
  backend: string;
  /** Milliseconds per fine-tune step (median of `steps`), by members M. */
  stepMs: { members: number; ms: number }[];
  /** A 2-D matmul [m, k]·[k, n]: GFLOP/s (median of repeats, each read back). */
  matmul: { m: number; k: number; n: number; gflops: number }[];
  /** The error that stopped this backend's timings (the others still run), or null. */
  error: string | null;
}

/** The WebGPU part of bench.json. */
export interface WebGpuBench {
  /** The adapter, or why WebGPU did not start (then nothing is timed). */
  adapter: string | null;
  why: string | null;
  steps: number;
  rows: WebGpuBenchRow[];
}

/** Members per ensemble timed: the default's seeds per point, and a stack of sixteen. */
const MEMBERS = [2, 16];
const WARMUP = 2;

/** Times WebGPU, then WASM, when WebGPU starts; then returns to the backend that ran before. */
export async function webgpuBench(steps = 10): Promise<WebGpuBench> {
  const before = await initBackend();
  let adapter: string | null = null;
  try {
    adapter = (await initBackend("webgpu")).adapter ?? null;
  } catch (error) {
    await initBackend(before.name);
    return { adapter: null, why: (error as Error).message, steps, rows: [] };
  }
  const rows: WebGpuBenchRow[] = [];
  try {
    for (const name of ["webgpu", "wasm"] as const) rows.push(await backendRow(name, steps));
  } finally {
    await initBackend(before.name);
  }
  return { adapter, why: null, steps, rows };
}

/** A backend's step times and matmuls; an error ends its row, not the bench. */
async function backendRow(name: BackendName, steps: number): Promise<WebGpuBenchRow> {
  const row: WebGpuBenchRow = { backend: name, stepMs: [], matmul: [], error: null };
  try {
    row.backend = (await initBackend(name)).id;
    const config = await loadYamlConfig(emOrganism.configSchema, emOrganism.defaultConfig);
    const base = await loadOrTrainBase(emOrganism, config, "persona", { quiet: true, backend: row.backend });
    let product = { m: 0, k: 0, n: 0 };
    try {
      for (const members of MEMBERS) {
        const timed = await stepTimes(base, members, steps);
        row.stepMs.push({ members, ms: median(timed.ms) });
        product = timed.product;
      }
    } finally {
      disposeTransformer(base.model);
    }
    for (const shape of [product, { m: 1024, k: 1024, n: 1024 }]) {
      row.matmul.push({ ...shape, gflops: await matmulGflops(shape) });
    }
  } catch (error) {
    row.error = (error as Error).message;
  }
  return row;
}

/**
 * Times `steps` fine-tune steps of M seeds on `base` (after `WARMUP` untimed ones); returns each step's
 * milliseconds and its largest product, the tied output layer's: [M·B·T, d]·[d, V].
 */
async function stepTimes(base: OrganismBase<EmConfig, PersonaWorld>, members: number, steps: number) {
  const { config, world } = base;
  const data = Array.from({ length: members }, (_, m) => emOrganism.fineTuneData(base, m + 1));
  const examples = data.map((d) => d.examples);
  const pad = world.vocabulary.id("<pad>");
  using setup = loraMembersSetup(base.model, config.fineTune, data.map((d) => d.rng), examples, pad);
  const ms = await timeSteps(setup, members, config.fineTune.learningRate, steps);
  const m = setup.context.data.task.tokens.size, k = config.model.dModel, n = world.vocabulary.size;
  return { ms, product: { m, k, n } };
}

/** The loop's step with its reads made asynchronous: losses, gradients, update, then the [M] losses read. */
async function timeSteps(
  setup: TransformerSetup<MemberSequenceBatch>,
  members: number,
  learningRate: number,
  steps: number,
) {
  const strategy = strategyByName(NAIVE_POINT.strategy);
  const run = strategy.create(parseConfig(strategy.params, NAIVE_POINT.params, "task-only"), setup.context);
  const variables = setup.context.model.trainable;
  const optimizer = new MemberAdam(variables, { learningRate, members });
  const ms: number[] = [];
  try {
    for (let step = 0; step < WARMUP + steps; step++) {
      const started = performance.now();
      let losses: tf.Tensor | undefined;
      const { value, grads } = tf.variableGrads(() => {
        losses = tf.keep(run.loss(step).loss);
        return tf.sum(losses) as tf.Scalar;
      }, variables);
      try {
        optimizer.apply(grads);
        await losses!.data();
      } finally {
        tf.dispose([value, grads, losses!]);
      }
      setup.onStep();
      if (step >= WARMUP) ms.push(performance.now() - started);
    }
  } finally {
    optimizer.dispose();
    run.dispose?.();
  }
  return ms;
}

/** GFLOP/s of [m, k]·[k, n] on the running backend: the median of 10 products, each read back. */
async function matmulGflops({ m, k, n }: { m: number; k: number; n: number }): Promise<number> {
  const a = tf.randomNormal([m, k]), b = tf.randomNormal([k, n]);
  const seconds: number[] = [];
  try {
    for (let i = 0; i < WARMUP + 10; i++) {
      const started = performance.now();
      const c = tf.matMul(a, b);
      try {
        await c.data();
      } finally {
        c.dispose();
      }
      if (i >= WARMUP) seconds.push((performance.now() - started) / 1000);
    }
  } finally {
    tf.dispose([a, b]);
  }
  return (2 * m * k * n) / median(seconds) / 1e9;
}

/** The README table's rows: seconds in the seconds column, GFLOP/s in the rate column, time ÷ WASM's. */
export function webgpuRows(bench: WebGpuBench): string[] {
  if (!bench.adapter) return [`| WebGPU: not started (${bench.why}) | | | |`];
  const wasm = bench.rows.find((r) => r.backend === "wasm");
  return bench.rows.flatMap((row) => [
    ...(row.error ? [`| WebGPU rows, ${row.backend}: stopped (${row.error}) | | | |`] : []),
    ...row.stepMs.map(({ members, ms }) => {
      const wasmMs = wasm?.stepMs.find((w) => w.members === members)?.ms;
      return `| EM fine-tune step, ${members} members, ${row.backend} | ${(ms / 1000).toFixed(3)} | | ${
        wasmMs ? `${(ms / wasmMs).toFixed(2)} (÷ wasm)` : "—"
      } |`;
    }),
    ...row.matmul.map((p) =>
      `| matmul [${p.m}, ${p.k}]·[${p.k}, ${p.n}], ${row.backend} | | ${p.gflops.toFixed(1)} GFLOP/s | |`
    ),
  ]);
}
