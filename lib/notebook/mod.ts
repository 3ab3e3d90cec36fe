/**
 * What a notebook's first cell uses: knobs (seeds, the proxy, which strategies) applied to a shipped config, and
 * where the notebook keeps its runs.
 *
 * @module
 */
export * from "./knobs.ts";
