/**
 * Knobs: the few settings a notebook's first cell exposes (seeds, the proxy, which strategies), applied to a
 * shipped config. A config that differs from the shipped one keeps its records in a folder of its own
 * (`runFolder`), so changing a knob and changing it back reuses both runs, and a smaller sweep reuses the
 * points it shares with the full one.
 *
 * @module
 */
import { initBackend } from "../backend.ts";
import { InputError } from "../config/input_error.ts";
import { loadYamlConfig } from "../config/load.ts";
import type { TriggerSet } from "../data/triggers.ts";
import type { SweepEntry } from "../strategies/sweep.ts";
import type { Experiment, RecordBase } from "../experiments/experiment.ts";

/**
 * A knob's value: `fallback`, unless the environment sets `SELGEN_<NAME>` (the tests run every notebook on
 * one seed with `SELGEN_SEEDS=1`).
 */
export function knob(name: string, fallback: number): number {
  const raw = Deno.env.get(`SELGEN_${name.toUpperCase()}`);
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value)) {
    throw new InputError(`Cannot read the knob ${name}`, [
      `SELGEN_${name.toUpperCase()}: "${raw}" is not a number`,
    ]);
  }
  return value;
}

/** The first `count` of a config's seeds (count 1 is the quick look, like `reproduce --quick`). */
export function firstSeeds(seeds: readonly number[], count: number): number[] {
  return firstOf("seeds", seeds, count);
}

/** The first `count` of an organism's bases (count 1 is the quick look: no intervals). */
export function firstBases(bases: readonly number[], count: number): number[] {
  return firstOf("bases", bases, count);
}

function firstOf(name: string, list: readonly number[], count: number): number[] {
  if (!Number.isInteger(count) || count < 1 || count > list.length) {
    throw new InputError(`Cannot pick the ${name}`, [
      `${name}: ${count}; give a whole number from 1 to ${list.length} (the config has ${list.join(", ")})`,
    ]);
  }
  return list.slice(0, count);
}

/**
 * The sweep entries of the named strategies (by strategy name or label), or all of them. The task-only
 * baseline is always kept: every comparison is against it.
 */
export function onlyStrategies(
  entries: readonly SweepEntry[],
  names: readonly string[] | "all",
): SweepEntry[] {
  if (names === "all") return [...entries];
  const known = [...new Set(entries.flatMap((e) => [e.strategy, ...(e.label ? [e.label] : [])]))];
  const unknown = names.filter((n) => !known.includes(n));
  if (unknown.length) {
    throw new InputError("Cannot pick the strategies", [
      `strategies: ${unknown.map((n) => `"${n}"`).join(", ")} not in the config; known: ${known.join(", ")}`,
    ]);
  }
  const wanted = new Set([...names, "task-only"]);
  return entries.filter((e) => wanted.has(e.strategy) || (e.label !== undefined && wanted.has(e.label)));
}

/**
 * Where a notebook keeps a run: `out` for the shipped config (so `deno task reproduce` and the notebook share
 * it), `<out>/variants/<config hash>/` for any other.
 */
export async function runFolder<C, R extends RecordBase, S>(
  experiment: Experiment<C, R, S>,
  config: C,
  out: string,
): Promise<string> {
  const backend = (await initBackend()).id;
  const shipped = await loadYamlConfig(experiment.configSchema, experiment.defaultConfig);
  const [hash, shippedHash] = await Promise.all([
    experiment.hash(config, backend),
    experiment.hash(shipped, backend),
  ]);
  return hash === shippedHash ? out : `${out}/variants/${hash.slice(0, 12)}`;
}

/** Where a notebook records its runs: `SELGEN_OUT` (the tests' temporary folder), else `../out`. */
export function outFolder(): string {
  return Deno.env.get("SELGEN_OUT") || "../out";
}

/** A category knob checked against the trigger file: it must exist and may not be the flipped one. */
export function proxyCategory(triggers: Pick<TriggerSet, "categories" | "flip">, name: string): string {
  const known = triggers.categories.map((c) => c.name).filter((c) => c !== triggers.flip.category);
  if (!known.includes(name)) {
    throw new InputError("Cannot use this proxy category", [
      `proxyCategory: "${name}"${
        name === triggers.flip.category ? " is the flipped category" : " is no category"
      }; ` +
      `use one of ${known.join(", ")}`,
    ]);
  }
  return name;
}
