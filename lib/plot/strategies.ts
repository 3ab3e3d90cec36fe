/**
 * Figures of a strategy comparison: the Pareto plot (x = alignment, y = task, one curve per
 * strategy traced by its hyper-parameter, SEM error bars, the frontier highlighted) and a per-category
 * breakdown. Pure builders.
 *
 * @module
 */
import type { StrategiesToySummary } from "../experiments/strategies_toy/summary.ts";
import type { StrategyPoint } from "../eval/points.ts";
import { display, type Figure, textTable } from "./figure.ts";

const FONT = { family: "system-ui, sans-serif", size: 13 };
// Distinct colours and symbols so that a dozen strategies stay tellable apart (also in greyscale print).
const PALETTE = [
  "#1f77b4",
  "#ff7f0e",
  "#2ca02c",
  "#d62728",
  "#9467bd",
  "#8c564b",
  "#e377c2",
  "#7f7f7f",
  "#bcbd22",
  "#17becf",
  "#393b79",
  "#ad494a",
  "#637939",
];
const SYMBOLS = [
  "circle",
  "square",
  "diamond",
  "triangle-up",
  "cross",
  "x",
  "star",
  "triangle-down",
  "hexagon",
  "pentagon",
];

/** What a Pareto figure needs: points, the frontier, and axis wording. */
export interface ParetoInput {
  name: string;
  title: string;
  points: readonly StrategyPoint[];
  frontier: readonly StrategyPoint[];
  xLabel: string;
  yLabel: string;
  seeds: number;
  /** Fixed reference marks (e.g. the base model), drawn as black stars. */
  references?: { name: string; alignment: number; task: number }[];
}

function sweptText(p: StrategyPoint): string {
  const entries = Object.entries(p.swept);
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(", ") : "";
}

/** The Pareto plot: one trace per strategy label (its grid in order), mean ± SEM, frontier dashed. */
export function paretoFigure(input: ParetoInput): Figure {
  const labels = [...new Set(input.points.map((p) => p.label))];
  const data: Record<string, unknown>[] = labels.map((label, i) => {
    const mine = input.points.filter((p) => p.label === label && Number.isFinite(p.alignment.mean));
    return {
      type: "scatter",
      mode: mine.length > 1 ? "lines+markers" : "markers",
      name: label,
      x: mine.map((p) => p.alignment.mean),
      y: mine.map((p) => p.task.mean),
      error_x: { type: "data", array: mine.map((p) => p.alignment.sem), visible: true, thickness: 1 },
      error_y: { type: "data", array: mine.map((p) => p.task.sem), visible: true, thickness: 1 },
      text: mine.map((p) =>
        sweptText(p) + (p.divergedSeeds.length ? ` (${p.divergedSeeds.length} seed(s) diverged)` : "")
      ),
      hovertemplate: `${label} %{text}<br>alignment %{x:.3f}, task %{y:.3f}<extra></extra>`,
      marker: { size: 9, color: PALETTE[i % PALETTE.length], symbol: SYMBOLS[i % SYMBOLS.length] },
      line: { color: PALETTE[i % PALETTE.length], width: 1.5 },
    };
  });
  for (const ref of input.references ?? []) {
    data.push({
      type: "scatter",
      mode: "markers+text",
      name: ref.name,
      x: [ref.alignment],
      y: [ref.task],
      text: [ref.name],
      textposition: "top center",
      marker: { size: 14, symbol: "star", color: "black" },
    });
  }
  data.push({
    type: "scatter",
    mode: "lines+markers",
    name: "Pareto frontier",
    x: input.frontier.map((p) => p.alignment.mean),
    y: input.frontier.map((p) => p.task.mean),
    line: { color: "black", dash: "dash", width: 1.5 },
    marker: { size: 16, color: "rgba(0,0,0,0)", line: { color: "black", width: 2 } },
    hoverinfo: "skip",
  });
  return display({
    name: input.name,
    title: input.title,
    caption:
      `Each point is a strategy at one hyper-parameter setting (curves follow its grid): x = ${input.xLabel}, ` +
      `y = ${input.yLabel}, mean ± SEM over ${input.seeds} seed${input.seeds > 1 ? "s" : ""}. ` +
      "Circled points on the dashed line are non-dominated (the Pareto frontier). Diverged runs are left out.",
    data,
    layout: {
      title: { text: input.title },
      xaxis: { title: { text: input.xLabel }, range: [-0.03, 1.03] },
      yaxis: { title: { text: input.yLabel }, range: [-0.03, 1.05] },
      width: 900,
      height: 620,
      font: FONT,
      legend: { font: { size: 11 } },
    },
    text: textTable(
      ["point", "alignment", "±", "task", "±", "frontier"],
      input.points.map((
        p,
      ) => [
        p.id,
        p.alignment.mean,
        p.alignment.sem,
        p.task.mean,
        p.task.sem,
        input.frontier.includes(p) ? "*" : "",
      ]),
    ),
  });
}

/** Per-category held-out accuracy for every point: rows = points, columns = categories. */
export function perCategoryFigure(
  name: string,
  points: readonly StrategyPoint[],
  categories: string[],
  taskCategory: string,
): Figure {
  const rows = points.filter((p) => p.seeds.length > 0);
  const z = rows.map((p) => categories.map((c) => p.breakdown[c] ?? NaN));
  return display({
    name,
    title: "Per-category held-out accuracy by strategy",
    caption:
      `Rows: strategy points; columns: held-out accuracy per category (${taskCategory}: the flipped task, ` +
      "others: the original rule). Mean over seeds.",
    data: [{
      type: "heatmap",
      x: categories,
      y: rows.map((p) => p.id),
      z,
      zmin: 0,
      zmax: 1,
      colorscale: "Viridis",
      texttemplate: "%{z:.2f}",
      hovertemplate: "%{y}<br>%{x}: %{z:.3f}<extra></extra>",
    }],
    layout: {
      title: { text: "Where each strategy keeps the original rule" },
      yaxis: { autorange: "reversed", automargin: true },
      xaxis: { automargin: true },
      width: 980,
      height: 140 + 24 * rows.length,
      font: { ...FONT, size: 11 },
      margin: { l: 320 },
    },
    text: textTable(
      ["point", ...categories.map((c) => c.slice(0, 10))],
      rows.map((p, i) => [p.id, ...z[i]!]),
    ),
  });
}

/**
 * Every figure of the strategy comparison on the toy.
 *
 * @example
 * ```ts
 * import { data, loadStrategiesToyConfig, runExperiment, strategiesToy } from "../../mod.ts";
 * import { strategiesToyFigures } from "../../mod.ts";
 * const config = await loadStrategiesToyConfig();
 * const { summary } = await runExperiment(strategiesToy, config, { out: "out" });
 * const categories = (await data.loadToyTriggers(config.toy)).categories.map((c) => c.name);
 * const [pareto, breakdown] = strategiesToyFigures(summary, categories);
 * ```
 */
export function strategiesToyFigures(summary: StrategiesToySummary, categories: string[]): Figure[] {
  return [
    paretoFigure({
      name: "strategies-toy-pareto",
      title: "Fine-tuning strategies on the toy: task vs alignment",
      points: summary.points,
      frontier: summary.frontier,
      xLabel: "alignment (held-out accuracy of the other categories under F)",
      yLabel: `task (held-out ${summary.flipCategory} under the flipped rule)`,
      seeds: summary.seeds.length,
    }),
    perCategoryFigure("strategies-toy-categories", summary.points, categories, summary.flipCategory),
  ];
}
