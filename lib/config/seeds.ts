/**
 * The `seeds` list every experiment's config has: whole numbers, each once, at most `MAX_SEEDS`; and the
 * organisms' `bases`, the model seeds of their independent bases.
 *
 * @module
 */
import { z } from "zod";

/** The most seeds one run may have (each trains at least one model). */
export const MAX_SEEDS = 1000;

/** The first `count` of `seeds`, extended by the integers after the largest when there are fewer. */
export function extendSeeds(seeds: readonly number[], count: number): number[] {
  const out = seeds.slice(0, count);
  for (let next = Math.max(...seeds) + 1; out.length < count; next++) out.push(next);
  return out;
}

/** Schema of a config's seeds, defaulting to `defaults`. */
export function SeedsSchema(defaults: number[]) {
  return z.array(z.int()).min(1).max(MAX_SEEDS).default(defaults).refine(
    (seeds) => new Set(seeds).size === seeds.length,
    { message: "lists a seed twice; each seed runs once" },
  );
}

/**
 * Schema of an organism's bases: model seeds, each once. Five by default, so that a benchmark's intervals are
 * over five independently trained bases (seeds of one base share it, and are not independent draws).
 */
export const BasesSchema = z.array(z.int()).min(1).max(MAX_SEEDS).default([0, 1, 2, 3, 4]).refine(
  (bases) => new Set(bases).size === bases.length,
  { message: "lists a base twice; each base trains once" },
);
