/**
 * Figures: plotly JSON builders, notebook display bundles and HTML export.
 *
 * @module
 */
export * from "./figure.ts";
export * from "./toy.ts";
