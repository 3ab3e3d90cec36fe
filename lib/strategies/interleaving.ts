/**
 * Interleaving with selection (Kaczér et al. 2025, in-training defences against emergent misalignment,
 * "Interleaving++"): mix a small number n of safe examples from a pool into the task data, chosen where a naive
 * fine-tune hurts them most instead of at random,
 *
 *   gap_j = log p_ref(y_j | x_j) − log p_naive(y_j | x_j),   S = the n examples of largest gap,
 *   L = (n_t · CE(T) + u·n · (1/n)·Σ_{j∈S} −log p(y_j | x_j)) / (n_t + u·n),
 *
 * with the pool the alignment proxy, p_ref the starting (aligned) model, p_naive a copy fine-tuned on the task
 * alone, and log p a response's mean log-probability per answer token (per row for the toy). `select: random`
 * draws S uniformly instead: the baseline. Each member selects from its own gaps.
 *
 * Deviation: the paper interleaves general-purpose safe data into long instruction-tuning runs; our pool is the
 * organism's proxy, and n and the up-weighting u are swept to trace the curve.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import { z } from "zod";
import { naiveCopy } from "./naive.ts";
import { defineStrategy, type StrategyContext } from "./strategy.ts";

/** The indices of the n largest values (ties to the earlier index), in index order. Pure. */
export function largest(values: ArrayLike<number>, n: number): number[] {
  return Array.from(values, (v, i) => [v, i] as const)
    .sort((x, y) => y[0] - x[0] || x[1] - y[1])
    .slice(0, n)
    .map(([, i]) => i)
    .sort((x, y) => x - y);
}

/** Task data plus n interleaved proxy examples, chosen by the naive fine-tune's log-likelihood gap or at random. */
export const interleaving = defineStrategy({
  name: "interleaving",
  description:
    "mix in the n proxy examples a naive fine-tune hurts most (or n at random), up-weighted u times",
  params: z.strictObject({
    /** n: how many pool examples are interleaved. */
    examples: z.int().positive().default(2),
    select: z.enum(["gap", "random"]).default("gap"),
    /** u: how many copies of the chosen examples join the task data. */
    upsample: z.number().positive().default(1),
    /** Steps of the naive fine-tune whose gaps select (default: the run's steps). */
    naiveSteps: z.int().positive().optional(),
  }),
  create: ({ examples, select, upsample, naiveSteps }, ctx) => {
    const { model, data } = ctx;
    const pool = model.size(data.proxy);
    if (examples > pool) {
      throw new Error(
        `Cannot interleave ${examples} examples from a pool of ${pool}: set examples to at most ${pool}`,
      );
    }
    const chosen = interleavedExamples(ctx, examples, select, naiveSteps);
    const weights = tf.tensor2d(
      chosen.flatMap((s) => Array.from({ length: pool }, (_, j) => (s.includes(j) ? 1 / examples : 0))),
      [model.members, pool],
    );
    const nt = model.size(data.task), ni = upsample * examples;
    return {
      loss: () => {
        const task = model.loss(data.task);
        const interleaved = tf.neg(
          tf.sum(tf.mul(model.responseLogProb(data.proxy), weights), 1),
        ) as tf.Tensor1D;
        const loss = tf.div(tf.add(tf.mul(task, nt), tf.mul(interleaved, ni)), nt + ni) as tf.Tensor1D;
        return { loss, metrics: { "loss/task": task, "loss/interleaved": interleaved } };
      },
      dispose: () => weights.dispose(),
    };
  },
});

/**
 * Per member, the indices (in order) of the n pool examples it interleaves: the n of largest gap, or n drawn
 * uniformly from the member's own random stream.
 */
export function interleavedExamples<B>(
  ctx: StrategyContext<B>,
  n: number,
  select: "gap" | "random",
  naiveSteps?: number,
): number[][] {
  const pool = ctx.model.size(ctx.data.proxy);
  return select === "gap"
    ? gaps(ctx, naiveSteps).map((g) => largest(g, n))
    : ctx.rngs.map((r) =>
      r.fork("interleaving").shuffle([...Array(pool).keys()]).slice(0, n).sort((x, y) => x - y)
    );
}

/** Per member, each pool example's log p_ref − log p_naive. */
function gaps<B>(ctx: StrategyContext<B>, steps?: number): Float32Array[] {
  const copy = naiveCopy(ctx, "interleaving-naive", steps);
  const gap = tf.tidy(() =>
    tf.sub(
      ctx.model.responseLogProb(ctx.data.proxy, { reference: true }),
      copy.model.responseLogProb(ctx.data.proxy),
    )
  );
  copy.dispose();
  const [members, pool] = gap.shape as [number, number];
  const values = gap.dataSync() as Float32Array;
  gap.dispose();
  return Array.from({ length: members }, (_, m) => values.slice(m * pool, (m + 1) * pool));
}
