/**
 * Every experiment by name, in the order `deno task reproduce` runs them and the gallery shows them. A worker
 * looks a job's experiment up here; a new experiment is one line.
 *
 * @module
 */
import type { Experiment } from "./experiment.ts";
import { em } from "./em/organism.ts";
import { strategiesToy } from "./strategies_toy/experiment.ts";
import { sycophancy } from "./sycophancy/organism.ts";
import { toy } from "./toy/experiment.ts";

/** The experiments. */
export const EXPERIMENTS = [toy, strategiesToy, sycophancy, em] as const;

/** Their names. */
export const EXPERIMENT_NAMES = EXPERIMENTS.map((e) => e.name);

/** The experiment called `name`. */
export function experimentByName(name: string): Experiment<unknown, never, unknown> {
  const found = EXPERIMENTS.find((e) => e.name === name);
  if (!found) throw new Error(`Cannot find experiment "${name}": known are ${EXPERIMENT_NAMES.join(", ")}`);
  return found as never;
}
