/**
 * The one interface every fine-tuning strategy implements.
 *
 * A strategy sees the task batch, the alignment proxy (and a negative proxy: the same inputs with the
 * undesired answers, paired by index) and the frozen reference model through a `StrategyModel` (defined with
 * the models, in `lib/models/view.ts`, and re-exported here), and returns an `Objective` for the one training
 * loop: a loss per step, optionally a gradient transform, and optionally a post-hoc edit after training
 * (SafeLoRA, steer-at-end). Adding a strategy is one new file in this folder, its test, and one line in
 * `registry.ts`.
 *
 * A model may hold M independent members (an ensemble: seeds trained as one program). Every output carries a
 * leading member axis — M = 1 for a single model — and a strategy computes one objective per member, never
 * mixing members: the loop differentiates their sum, so each member gets exactly its own gradient.
 *
 * @module
 */
import type { z } from "zod";
import type { Rng } from "../data/rng.ts";
import type { StrategyModel } from "../models/view.ts";
import type { Objective } from "../train/objective.ts";

export type { AdaptedLayer, StrategyModel, ViewOptions } from "../models/view.ts";

/** The data a strategy trains with. */
export interface StrategyData<B> {
  /** The narrow task (e.g. the flipped rule, subtly bad advice). */
  task: B;
  /** The alignment proxy: inputs with the desired answers. */
  proxy: B;
  /** The proxy's inputs with the undesired answers, paired with `proxy` by index. */
  negativeProxy: B;
  /** Inputs without labels that a strategy may inspect (CAFT finds its directions on them). */
  unlabeled: B;
}

/** A second copy of the model: the same frozen base with fresh adapters (to train a proxy adapter, say). */
export interface ModelCopy<B> {
  model: StrategyModel<B>;
  dispose(): void;
}

/** Everything a strategy is created with. */
export interface StrategyContext<B> {
  model: StrategyModel<B>;
  data: StrategyData<B>;
  /** One random stream per member (a strategy's own randomness, e.g. CAFT's power iterations). */
  rngs: readonly Rng[];
  /** The run's optimiser settings (a strategy training a copy uses the same). */
  steps: number;
  learningRate: number;
  /** A fresh copy of the model to train on the side. */
  spawn(label: string): ModelCopy<B>;
}

/** A strategy set up for one run: the loop's objective plus optional post-training edits and cleanup. */
export interface StrategyRun extends Objective {
  /** Applied once after the last step (SafeLoRA's projection, steer-at-end); metrics per member. */
  finish?(): Record<string, number>[] | void;
  /** Releases tensors the strategy precomputed. */
  dispose?(): void;
}

/**
 * A strategy: its name, a one-line description, its hyper-parameters' schema, and how to set up a run.
 *
 * @example
 * ```ts
 * import { STRATEGIES, type Strategy } from "../../mod.ts";
 * // A strategy's hyper-parameters with every default filled in, e.g. `{ beta: 1 }` for `kl`.
 * function defaults(strategy: Strategy): unknown {
 *   return strategy.params.parse({});
 * }
 * for (const s of STRATEGIES) console.log(`${s.name}: ${JSON.stringify(defaults(s))}`);
 * ```
 */
export interface Strategy<P extends z.ZodType = z.ZodType> {
  name: string;
  description: string;
  params: P;
  create<B>(params: z.output<P>, ctx: StrategyContext<B>): StrategyRun;
}

/**
 * Builds a strategy with its parameter type inferred from the schema.
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * export const proxyWeighted = defineStrategy({
 *   name: "proxy-weighted", description: "task cross-entropy plus w times the proxy's",
 *   params: z.strictObject({ w: z.number().nonnegative().default(1) }),
 *   create: ({ w }, { model, data }) => ({
 *     loss: () => ({ loss: model.loss(data.task).add(model.loss(data.proxy).mul(w)) }),
 *   }),
 * });
 * ```
 */
export function defineStrategy<P extends z.ZodType>(strategy: Strategy<P>): Strategy<P> {
  return strategy;
}
