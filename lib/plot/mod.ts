/**
 * Figures: plotly JSON builders per experiment, notebook display bundles, HTML and image export, the gallery.
 *
 * @module
 */
export * from "./em.ts";
export * from "./experiments.ts";
export * from "./export.ts";
export * from "./figure.ts";
export * from "./gallery.ts";
export * from "./keep.ts";
export * from "./leaderboard.ts";
export * from "./notebook_tables.ts";
export * from "./original.ts";
export * from "./proxies.ts";
export * from "./scorecard.ts";
export * from "./strategies.ts";
export * from "./sycophancy.ts";
export * from "./show.ts";
export * from "./table.ts";
export * from "./toy.ts";
