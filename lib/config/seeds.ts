/**
 * The `seeds` list every experiment's config has: whole numbers, each once, at most `MAX_SEEDS`.
 *
 * @module
 */
import { z } from "zod";

/** The most seeds one run may have (each trains at least one model). */
export const MAX_SEEDS = 1000;

/** Schema of a config's seeds, defaulting to `defaults`. */
export function SeedsSchema(defaults: number[]) {
  return z.array(z.int()).min(1).max(MAX_SEEDS).default(defaults).refine(
    (seeds) => new Set(seeds).size === seeds.length,
    { message: "lists a seed twice; each seed runs once" },
  );
}
