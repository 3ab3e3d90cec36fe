/**
 * selgen: a notebook lab for selective generalisation — fine-tuning that learns the capability in its data
 * without the unwanted disposition hidden in the same data.
 *
 * Start the backend, run an experiment, draw its figures:
 *
 * ```ts ignore
 * import { initBackend, loadToyConfig, runToy, toyFigures } from "./mod.ts";
 * await initBackend(); // tfjs-node-gpu > tfjs-node > wasm > cpu, or SELGEN_BACKEND
 * const { summary, runs, context } = await runToy(await loadToyConfig(), { seeds: [1] });
 * const figures = toyFigures(summary, runs, context.triggers.colours);
 * ```
 *
 * `ToySummarySchema` and `StrategiesToySummarySchema` are the contracts of `<out>/toy/summary.json` and
 * `<out>/strategies-toy/summary.json`, written by `deno task reproduce toy` and `deno task reproduce strategies-toy`.
 *
 * @module
 */
export * from "./lib/backend.ts";
export * from "./lib/config/load.ts";
export * from "./lib/io/atomic.ts";
export * from "./lib/data/mod.ts";
export * from "./lib/models/mod.ts";
export * from "./lib/train/mod.ts";
export * from "./lib/eval/mod.ts";
export * from "./lib/plot/mod.ts";
export * from "./lib/experiments/toy/mod.ts";
export * from "./lib/experiments/sweep.ts";
export * from "./lib/experiments/strategies_toy/mod.ts";
export * from "./lib/strategies/mod.ts";
export * from "./lib/models/classifier_view.ts";
export * from "./lib/eval/pca.ts";
export * from "./lib/eval/pareto.ts";
export * from "./lib/eval/points.ts";
export * from "./lib/plot/strategies.ts";
export * from "./lib/plot/em.ts";
export * from "./lib/experiments/em/mod.ts";
export * from "./lib/experiments/sycophancy/mod.ts";
export * from "./lib/plot/sycophancy.ts";
export * from "./lib/plot/export.ts";
export * from "./lib/plot/gallery.ts";
export * from "./lib/plot/original.ts";
export * from "./lib/experiments/original/importer.ts";
export * from "./lib/data/csv.ts";
export * from "./lib/data/gcd.ts";
export * from "./lib/train/language_model.ts";
export * from "./lib/train/cached_model.ts";
export * from "./lib/data/vocabulary.ts";
export * from "./lib/data/personas.ts";
export * from "./lib/models/transformer.ts";
export * from "./lib/models/transformer_view.ts";
export * from "./lib/models/sequence_batch.ts";
export * from "./lib/models/weights.ts";
