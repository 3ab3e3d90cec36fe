/**
 * Every strategy by name. Adding a strategy: one file in this folder, its test, and one line here.
 *
 * @module
 */
import { asft } from "./asft.ts";
import { caft } from "./caft.ts";
import { dpo } from "./dpo.ts";
import { earlyStopping } from "./early_stopping.ts";
import { ewc } from "./ewc.ts";
import { gradientProjection } from "./gradient_projection.ts";
import { gradientRouting } from "./gradient_routing.ts";
import { grasp } from "./grasp.ts";
import { interleaving } from "./interleaving.ts";
import { kl } from "./kl.ts";
import { mixed } from "./mixed.ts";
import { nullSpace } from "./null_space.ts";
import { orthogonal } from "./orthogonal.ts";
import { preventativeSteering } from "./preventative_steering.ts";
import { representation } from "./representation.ts";
import { safeLora } from "./safelora.ts";
import { steering } from "./steering.ts";
import type { Strategy } from "./strategy.ts";
import { taskOnly } from "./task_only.ts";
import { upweighted } from "./upweighted.ts";

/**
 * The strategies, in the order figures and tables list them.
 *
 * @example
 * ```ts
 * import { STRATEGIES, textTable } from "../../mod.ts";
 * console.log(textTable(["strategy", "what it optimises"], STRATEGIES.map((s) => [s.name, s.description])));
 * ```
 */
export const STRATEGIES: readonly Strategy[] = [
  taskOnly,
  mixed,
  interleaving,
  upweighted,
  kl,
  representation,
  gradientProjection,
  grasp,
  nullSpace,
  dpo,
  safeLora,
  asft,
  orthogonal,
  steering,
  preventativeSteering,
  caft,
  gradientRouting,
  ewc,
  earlyStopping,
];

/**
 * The methods added beside the post's eight: recent ones against emergent misalignment, harmful fine-tuning or
 * forgetting, gradient routing (the post's own future work) and the baselines the newer work compares with
 * (early stopping, EWC), in the order notebook 05 introduces them; random interleaving and slice ablation are
 * their controls, not methods of their own.
 */
export const NEWER_METHODS: readonly string[] = [
  "asft",
  "early-stopping",
  "ewc",
  "interleaving",
  "grasp",
  "gradient-routing",
  "null-space",
  "preventative-steering",
];

/** Looks a strategy up by name, with an error listing the known ones. */
export function strategyByName(name: string): Strategy {
  const found = STRATEGIES.find((s) => s.name === name);
  if (!found) {
    throw new Error(`Cannot find strategy "${name}": known are ${STRATEGIES.map((s) => s.name).join(", ")}`);
  }
  return found;
}
