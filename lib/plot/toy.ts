/**
 * Figures of the trigger toy: K-proxy heat-maps, decision boundaries, accuracy curves over
 * fine-tuning, and spillover against embedding similarity. Pure builders: summary and runs in, figure out.
 *
 * @module
 */
import { meanSem } from "../eval/stats.ts";
import type { ToyRun } from "../experiments/toy/summary.ts";
import type { ToySummary } from "../experiments/toy/summary.ts";
import { fittedRange } from "./axes.ts";
import { display, type Figure, textTable } from "./figure.ts";
import { labelPositions } from "./labels.ts";

/** Plotly colours for the toy's colour classes, by name. */
const COLOUR_HEX: Record<string, string> = { orange: "#f28e2b", green: "#59a14f", blue: "#4e79a7" };
const FONT = { family: "system-ui, sans-serif", size: 13 };

/**
 * Heat-map for K proxy triggers: rows = proxy category (first row: no proxy), columns = held-out accuracy per
 * category (the flipped category's column is flipped-task accuracy), mean ± SEM over seeds.
 *
 * @example
 * ```ts
 * import { loadToyConfig, runExperiment, toy, toyHeatmapFigure } from "../../mod.ts";
 * const { summary } = await runExperiment(toy, await loadToyConfig(), { out: "out" });
 * const heatmap = toyHeatmapFigure(summary, 5); // K must be one of the config's `proxy.ks`
 * console.log(heatmap.text); // the numbers as a table, for a terminal
 * ```
 */
export function toyHeatmapFigure(summary: ToySummary, k: number): Figure {
  const heatmap = summary.heatmaps[`k${k}`];
  if (!heatmap) {
    throw new Error(`Cannot draw the K=${k} heat-map: the summary has ${Object.keys(summary.heatmaps)}`);
  }
  const none = summary.noProxy.accuracy;
  const rows = ["no proxy", ...heatmap.rows];
  const mean = [heatmap.cols.map((c) => none[c]!.mean), ...heatmap.mean];
  const sem = [heatmap.cols.map((c) => none[c]!.sem), ...heatmap.sem];
  const labels = mean.map((row, i) => row.map((m, j) => `${m.toFixed(2)}<br>±${sem[i]![j]!.toFixed(2)}`));
  const n = summary.seeds.length;
  return display({
    name: `toy-heatmap-k${k}`,
    title: `Held-out accuracy after the flip with ${k} proxy trigger${k > 1 ? "s" : ""}`,
    caption:
      `Rows: the category the ${k} proxy trigger${k > 1 ? "s come" : " comes"} from (first row: no proxy). ` +
      `Columns: accuracy on each category's held-out triggers (${summary.flipCategory}: the flipped task). ` +
      `Mean ± SEM over ${n} seed${n > 1 ? "s" : ""}.`,
    data: [{
      type: "heatmap",
      x: heatmap.cols,
      y: rows,
      z: mean,
      text: labels,
      texttemplate: "%{text}",
      zmin: 0,
      zmax: 1,
      colorscale: "Viridis",
      colorbar: { title: { text: "accuracy" } },
      hovertemplate: "proxy %{y}<br>%{x}: %{z:.3f}<extra></extra>",
    }],
    layout: {
      title: { text: `K = ${k} proxy trigger${k > 1 ? "s" : ""} per category` },
      xaxis: { title: { text: "evaluated category (held-out triggers)" }, side: "bottom" },
      yaxis: { title: { text: "proxy category" }, autorange: "reversed" },
      width: 820,
      height: 520,
      margin: { l: 150, b: 120 },
      font: FONT,
    },
    text: textTable(
      ["proxy \\ eval", ...heatmap.cols.map((c) => c.slice(0, 10))],
      rows.map((r, i) => [r, ...mean[i]!]),
    ),
  });
}

/**
 * Decision boundaries for a few held-out triggers of one seed: the truth and the model's prediction over the
 * plane, before (F) and after (flipped rule) the narrow fine-tune.
 *
 * @example
 * ```ts
 * import { data, loadToyConfig, runExperiment, toy, toyBoundaryFigure } from "../../mod.ts";
 * const config = await loadToyConfig();
 * const { records } = await runExperiment(toy, config, { out: "out" });
 * // Boundaries are drawn for the first seed only: its base and its narrow flip (no proxy).
 * const first = (stage: string) => records.find((r) => r.seed === config.seeds[0] && r.stage === stage)!;
 * const { colours } = await data.loadToyTriggers(config);
 * const boundaries = toyBoundaryFigure(first("base"), first("none"), colours);
 * ```
 */
export function toyBoundaryFigure(base: ToyRun, tuned: ToyRun, colours: string[]): Figure {
  if (!base.boundaries.length || base.boundaries.length !== tuned.boundaries.length) {
    throw new Error(
      "Cannot draw decision boundaries: the runs carry none (they are drawn for the first seed only)",
    );
  }
  const panels = base.boundaries.flatMap((b, i) => {
    const after = tuned.boundaries[i]!;
    return [
      { title: `${b.trigger}: truth (F)`, grid: b.truth, axis: b.axis },
      { title: `${b.trigger}: base model`, grid: b.prediction, axis: b.axis },
      { title: `${b.trigger}: truth after flip`, grid: after.truth, axis: after.axis },
      { title: `${b.trigger}: after fine-tune`, grid: after.prediction, axis: after.axis },
    ];
  });
  const columns = 4, rowsCount = base.boundaries.length;
  const colourscale = colours.flatMap((c, i) => {
    const hex = COLOUR_HEX[c] ?? "#999";
    return [[i / colours.length, hex], [(i + 1) / colours.length, hex]];
  });
  const layout: Record<string, unknown> = {
    title: { text: `Decision boundaries (seed ${base.seed}, held-out triggers)` },
    grid: { rows: rowsCount, columns, pattern: "independent" },
    width: 1100,
    height: 300 * rowsCount + 80,
    font: FONT,
    annotations: [],
    showlegend: false,
  };
  const data = panels.map((p, i) => {
    const n = p.axis.length;
    const suffix = i === 0 ? "" : String(i + 1);
    layout[`xaxis${suffix}`] = {
      title: { text: i >= (rowsCount - 1) * columns ? "x1" : "" },
      constrain: "domain",
    };
    layout[`yaxis${suffix}`] = { title: { text: i % columns === 0 ? "x2" : "" }, scaleanchor: `x${suffix}` };
    (layout.annotations as unknown[]).push({
      text: p.title,
      xref: `x${suffix} domain`,
      yref: `y${suffix} domain`,
      x: 0.5,
      y: 1.12,
      showarrow: false,
      font: { size: 12 },
    });
    return {
      type: "heatmap",
      x: p.axis,
      y: p.axis,
      z: Array.from({ length: n }, (_, r) => p.grid.slice(r * n, (r + 1) * n)),
      zmin: 0,
      zmax: colours.length,
      colorscale: colourscale,
      showscale: false,
      xaxis: `x${suffix}`,
      yaxis: `y${suffix}`,
      hovertemplate: "x1 %{x:.2f}, x2 %{y:.2f}: class %{z}<extra></extra>",
    };
  });
  const agreement = (truth: number[], pred: number[]) =>
    truth.filter((t, i) => t === pred[i]).length / truth.length;
  return display({
    name: "toy-decision-boundary",
    title: "Decision boundaries before and after the narrow flip",
    caption:
      `Colour of each point of the plane (${
        colours.join(", ")
      }) for held-out triggers never seen in training: ` +
      `the rule, the base model, the rule after the flip, and the fine-tuned model. Seed ${base.seed}.`,
    data,
    layout,
    text: textTable(
      ["trigger", "base vs F", "tuned vs flipped rule"],
      base.boundaries.map((
        b,
        i,
      ) => [
        b.trigger,
        agreement(b.truth, b.prediction),
        agreement(tuned.boundaries[i]!.truth, tuned.boundaries[i]!.prediction),
      ]),
    ),
  });
}

/**
 * Per-category held-out accuracy over fine-tuning steps for one condition, mean ± SEM over seeds.
 *
 * @example
 * ```ts
 * import { loadToyConfig, runExperiment, toy, toyCurvesFigure } from "../../mod.ts";
 * const { summary, records } = await runExperiment(toy, await loadToyConfig(), { out: "out" });
 * const narrow = toyCurvesFigure(records, summary.categories); // the narrow flip, no proxy
 * const proxied = toyCurvesFigure(records, summary.categories, "k5-objects"); // 5 proxy triggers of objects
 * ```
 */
export function toyCurvesFigure(
  runs: readonly ToyRun[],
  categories: string[],
  conditionLabel = "none",
): Figure {
  const chosen = runs.filter((
    r,
  ) => (conditionLabel === "none" ? r.stage === "none" : r.id.endsWith(`/${conditionLabel}`)));
  if (!chosen.length || !chosen[0]!.curve.length) {
    throw new Error(
      `Cannot draw curves for ${conditionLabel}: no run of it recorded a curve (fineTune.curveEvery = 0?)`,
    );
  }
  const steps = chosen[0]!.curve.map((p) => p.step);
  const series = categories.map((c) =>
    steps.map((_, i) => meanSem(chosen.map((r) => r.curve[i]?.heldOut[c] ?? NaN)))
  );
  return display({
    name: `toy-curves-${conditionLabel}`,
    title: `Held-out accuracy per category during fine-tuning (${
      conditionLabel === "none" ? "no proxy" : conditionLabel
    })`,
    caption: "Accuracy on each category's held-out triggers under the intended rule (flipped for the task " +
      `category, F for the rest) every few steps of the LoRA fine-tune; mean ± SEM over ${chosen.length} seeds.`,
    data: categories.map((c, j) => ({
      type: "scatter",
      mode: "lines",
      name: c,
      x: steps,
      y: series[j]!.map((s) => s.mean),
      error_y: { type: "data", array: series[j]!.map((s) => s.sem), visible: true, thickness: 0.8 },
    })),
    layout: {
      title: {
        text: `Fine-tuning ${conditionLabel === "none" ? "on the flipped task alone" : conditionLabel}`,
      },
      xaxis: { title: { text: "step" } },
      yaxis: { title: { text: "held-out accuracy" }, range: [0, 1.05] },
      width: 820,
      height: 460,
      font: FONT,
    },
    text: textTable(
      ["step", ...categories.map((c) => c.slice(0, 10))],
      steps.filter((_, i) => i % Math.max(1, Math.floor(steps.length / 6)) === 0 || i === steps.length - 1)
        .map((s) => [String(s), ...series.map((ser) => ser[steps.indexOf(s)]!.mean)]),
    ),
  });
}

/** A category's name for a label: "negative_emotions" → "neg. emotions" (every word but the last cut to 3 letters). */
function shortCategory(name: string): string {
  const words = name.split("_");
  return words.map((w, i) => (i < words.length - 1 && w.length > 4 ? `${w.slice(0, 3)}.` : w)).join(" ");
}

// One colour and symbol per target category, so a target that behaves unlike the rest stands out as a group.
const TARGET_STYLES = [
  { color: "#4e79a7", symbol: "circle" },
  { color: "#f28e2b", symbol: "square" },
  { color: "#e15759", symbol: "diamond" },
  { color: "#59a14f", symbol: "triangle-up" },
  { color: "#b07aa1", symbol: "pentagon" },
  { color: "#9c755f", symbol: "hexagon" },
  { color: "#76b7b2", symbol: "star" },
];

/**
 * Spillover with the largest K against the cosine similarity of category centroids, with Pearson's r and its
 * 95% interval over seeds (the title does not claim a relation that the interval does not support). Every
 * point is labelled "proxy→target" and coloured by its target category (the PNG has no hover), so a target
 * that spills over less than its similarity predicts, and which proxy is its nearest neighbour, can be read
 * off the image.
 *
 * @example
 * ```ts
 * import { loadToyConfig, runExperiment, toy, toySimilarityFigure } from "../../mod.ts";
 * const { summary } = await runExperiment(toy, await loadToyConfig(), { out: "out" });
 * const similarity = toySimilarityFigure(summary);
 * console.log(similarity.title); // e.g. "Spillover against similarity in embedding space: r = 0.31 [95% -0.05, 0.58]"
 * ```
 */
export function toySimilarityFigure(summary: Pick<ToySummary, "similarity">): Figure {
  const { pairs, pearsonR, k, interval } = summary.similarity;
  const bounds = Number.isFinite(interval.low) && Number.isFinite(interval.high)
    ? ` [95% ${interval.low.toFixed(2)}, ${interval.high.toFixed(2)}]`
    : "";
  const r = pearsonR === null ? "undefined" : `${pearsonR.toFixed(2)}${bounds}`;
  const label = (p: { proxy: string; target: string }) =>
    `${shortCategory(p.proxy)}→${shortCategory(p.target)}`;
  const xRange = fittedRange(pairs.map((p) => p.cosine), { margin: 0.08 });
  const yRange = fittedRange(pairs.map((p) => p.accuracy));
  const width = 940, height = 620, margin = { l: 80, r: 190, t: 80, b: 70 }, fontSize = 11;
  const positions = labelPositions(pairs.map((p) => ({ x: p.cosine, y: p.accuracy, text: label(p) })), {
    xRange,
    yRange,
    width: width - margin.l - margin.r,
    height: height - margin.t - margin.b,
    fontSize,
    markerRadius: 5,
  });
  const placed = pairs.map((p, j) => ({ ...p, position: positions[j]!.position }));
  const targets = [...new Set(pairs.map((p) => p.target))];
  return display({
    name: "toy-similarity",
    title: `Spillover against similarity in embedding space: r = ${r}`,
    caption:
      `Each point is a (proxy category → other category) pair with K = ${k}: x = cosine of the two categories' ` +
      "mean word vectors, y = held-out accuracy of the other category (its original rule restored by the proxy); " +
      "colour and symbol: the other (target) category. Random strings have no word vector and are left out. " +
      "r's interval is a percentile bootstrap over seeds (each trains its own base).",
    data: targets.map((target, i) => {
      const mine = placed.filter((p) => p.target === target);
      return {
        type: "scatter",
        mode: "markers+text",
        name: shortCategory(target),
        x: mine.map((p) => p.cosine),
        y: mine.map((p) => p.accuracy),
        text: mine.map(label),
        textposition: mine.map((p) => p.position),
        textfont: { size: fontSize, color: "#333" },
        cliponaxis: false,
        hovertemplate: "%{text}<br>cosine %{x:.2f}, accuracy %{y:.2f}<extra></extra>",
        marker: { size: 10, ...TARGET_STYLES[i % TARGET_STYLES.length] },
      };
    }),
    layout: {
      title: { text: `Spillover vs embedding similarity, K = ${k} (Pearson r = ${r})` },
      xaxis: {
        title: { text: "cosine of category centroids (proxy, target)" },
        range: xRange,
        zeroline: false,
      },
      yaxis: { title: { text: "held-out accuracy of the target category" }, range: yRange },
      legend: { title: { text: "target category" } },
      width,
      height,
      margin,
      font: FONT,
    },
    text: textTable(
      ["proxy → target", "cosine", "accuracy"],
      pairs.map((p) => [`${p.proxy} → ${p.target}`, p.cosine, p.accuracy]),
    ),
  });
}

/** Every toy figure for a finished experiment. */
export function toyFigures(summary: ToySummary, runs: readonly ToyRun[], colours: string[]): Figure[] {
  const firstSeed = summary.seeds[0];
  const base = runs.find((r) => r.seed === firstSeed && r.stage === "base");
  const tuned = runs.find((r) => r.seed === firstSeed && r.stage === "none");
  return [
    ...Object.values(summary.heatmaps).map((h) => toyHeatmapFigure(summary, h.k)),
    ...(base && tuned ? [toyBoundaryFigure(base, tuned, colours)] : []),
    toyCurvesFigure(runs, summary.categories),
    toySimilarityFigure(summary),
  ];
}
