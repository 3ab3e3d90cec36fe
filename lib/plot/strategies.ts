/**
 * Figures of a strategy comparison: the Pareto plot (x = alignment, y = task, one curve per
 * strategy traced by its hyper-parameter, 95% interval bars, the frontier highlighted) and a per-category
 * breakdown. Pure builders.
 *
 * @module
 */
import type { StrategiesToySummary } from "../experiments/strategies_toy/summary.ts";
import type { StrategyPoint } from "../eval/points.ts";
import type { Benchmark } from "../eval/benchmark.ts";
import { fittedRange, halfInterval, intervalExtent } from "./axes.ts";
import { display, type Figure, textTable } from "./figure.ts";
import { labelPositions } from "./labels.ts";
import { leaderboardFigure } from "./leaderboard.ts";
import { scorecardFigure } from "./scorecard.ts";

const FONT = { family: "system-ui, sans-serif", size: 13 };
const WIDTH = 900, HEIGHT = 620;
// Distinct colours and symbols so that the toy's twenty-five curves stay tellable apart (also in greyscale print).
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
  "#8c6d31",
  "#7b4173",
  "#5254a3",
  "#e7ba52",
  "#de9ed6",
  "#843c39",
  "#6b6ecf",
  "#b5cf6b",
  "#e7969c",
  "#9c9ede",
  "#bd9e39",
  "#31a354",
  "#fd8d3c",
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

/**
 * Points to draw apart from honest trade-offs: hollow in their strategy's colour, crossed by this flag's mark,
 * and named in the legend (a PNG has no hover text), e.g. the sycophancy organism's "always say no" models.
 */
export interface PointFlag {
  /** Legend entry: what the flag means (plotly's `<br>` breaks a long one). */
  name: string;
  /** One word for the text table, e.g. "degenerate". */
  short: string;
  /** Flagged point ids → a note for their hover text ("" for none). */
  notes: Readonly<Record<string, string>>;
}

/** What a Pareto figure needs: points, the frontier, and axis wording. */
export interface ParetoInput {
  name: string;
  title: string;
  points: readonly StrategyPoint[];
  frontier: readonly StrategyPoint[];
  xLabel: string;
  yLabel: string;
  seeds: number;
  /** What the seeds are, for the caption: "seed" (default), or "base" where each seed is its own base. */
  unit?: string;
  /** Fixed reference marks (e.g. the base model), drawn as black stars. */
  references?: { name: string; alignment: number; task: number }[];
  /** Points to draw apart; points with a diverged seed are flagged without being listed here. */
  flags?: readonly PointFlag[];
}

// The mark over a flagged point, by flag (the first is the caller's, e.g. degenerate; then diverged seeds).
const FLAG_MARKS = [
  // x-thin crosses the point out without hiding its hollow symbol.
  { symbol: "x-thin-open", size: 20, color: "black" },
  { symbol: "asterisk-open", size: 20, color: "#555" },
  { symbol: "hash-open", size: 20, color: "#555" },
  { symbol: "cross-thin-open", size: 20, color: "#555" },
];

// Short names of swept hyper-parameters for point labels; any other is written out.
const SETTING_NAMES: Record<string, string> = {
  alpha: "α",
  beta: "β",
  lambda: "λ",
  lambdaProxy: "λ",
  lambdaNegative: "λ−",
  upsample: "×",
  directions: "dirs",
};

/**
 * A point's setting in a few characters, e.g. "β=10", "×5", "always": a string value is written alone, less a
 * leading repeat of the strategy's name (the colour says it).
 */
function settingLabel(p: StrategyPoint): string {
  return Object.entries(p.swept).map(([k, v]) => {
    if (typeof v === "string") return v.startsWith(`${p.label} `) ? v.slice(p.label.length + 1) : v;
    return k === "upsample" ? `×${v}` : `${SETTING_NAMES[k] ?? k}=${v}`;
  }).join(", ");
}

function sweptText(p: StrategyPoint): string {
  const entries = Object.entries(p.swept);
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(", ") : "";
}

const splitAt = <T>(items: T[], n: number): [T[], T[]] => [items.slice(0, n), items.slice(n)];

/** Whether a point can be drawn: both means measured. */
const drawable = (p: StrategyPoint) => Number.isFinite(p.alignment.mean) && Number.isFinite(p.task.mean);

/** The caller's flags, then one for points with a diverged seed (they are kept off the frontier). */
function allFlags(input: ParetoInput): PointFlag[] {
  const diverged = input.points.filter((p) => p.divergedSeeds.length > 0);
  return [
    ...(input.flags ?? []),
    ...(diverged.length
      ? [{
        name: "some seeds diverged<br>(left out of the mean; off the frontier)",
        short: "diverged",
        notes: Object.fromEntries(diverged.map((p) => [p.id, `${p.divergedSeeds.length} seed(s) diverged`])),
      }]
      : []),
  ];
}

/** One trace per flag: its mark over each flagged point, under the flag's name in the legend. */
function flagTraces(flags: readonly PointFlag[], drawn: readonly StrategyPoint[]): Record<string, unknown>[] {
  return flags.flatMap((flag, i) => {
    const mine = drawn.filter((p) => Object.hasOwn(flag.notes, p.id));
    const mark = FLAG_MARKS[i % FLAG_MARKS.length]!;
    return mine.length
      ? [{
        type: "scatter",
        mode: "markers",
        name: flag.name,
        x: mine.map((p) => p.alignment.mean),
        y: mine.map((p) => p.task.mean),
        text: mine.map((p) => `${p.id}${flag.notes[p.id] ? `: ${flag.notes[p.id]}` : ""}`),
        hovertemplate: `${flag.short} %{text}<extra></extra>`,
        marker: { ...mark, line: { color: mark.color, width: 1.5 } },
      }]
      : [];
  });
}

/**
 * The Pareto plot: one trace per strategy label (its grid in order), means with 95% t-interval bars (none for
 * a single seed), frontier dashed. Flagged
 * points (degenerate, diverged seeds) stay on their strategy's curve but hollow, with a mark per flag in its
 * own legend-named trace. Both axes are fitted to every point's interval (`fittedRange`): a fixed 0–1
 * range squeezed the sycophancy organism's capabilities into a tenth of the plot; an axis the data nearly
 * spans still shows 0–1.
 */
export function paretoFigure(input: ParetoInput): Figure {
  const flags = allFlags(input).filter((f) => input.points.some((p) => Object.hasOwn(f.notes, p.id)));
  const flagsOf = (p: StrategyPoint) => flags.filter((f) => Object.hasOwn(f.notes, p.id));
  const flagText = (p: StrategyPoint) =>
    flagsOf(p).map((f) => `${f.short}${f.notes[p.id] ? ` (${f.notes[p.id]})` : ""}`).join("; ");
  const drawn = input.points.filter(drawable);
  const references = input.references ?? [];
  const xRange = fittedRange([
    ...intervalExtent(drawn.map((p) => p.alignment)),
    ...references.map((r) => r.alignment),
  ]);
  const yRange = fittedRange([...intervalExtent(drawn.map((p) => p.task)), ...references.map((r) => r.task)]);
  const labels = [...new Set(drawn.map((p) => p.label))];
  // A curve's points are told apart by their setting, written beside each (hover is not in the PNG), except
  // where labels would overprint each other (a cluster of near-identical points): there the table says.
  const curve = (p: StrategyPoint) => drawn.filter((q) => q.label === p.label).length > 1;
  // References are placed first (their names matter most), then the points, as obstacles or labelled.
  const [referencePlaces, placements] = splitAt(
    labelPositions([
      ...references.map((r) => ({ x: r.alignment, y: r.task, text: r.name })),
      ...drawn.map((p) => ({
        x: p.alignment.mean,
        y: p.task.mean,
        text: curve(p) ? settingLabel(p) : "",
        xError: halfInterval(p.alignment),
        yError: halfInterval(p.task),
      })),
    ], { xRange, yRange, width: WIDTH - 300, height: HEIGHT - 180, fontSize: 10, markerRadius: 6 }),
    references.length,
  );
  const settings = drawn.map((p, i) => (curve(p) && !placements[i]!.crowded ? settingLabel(p) : ""));
  const data: Record<string, unknown>[] = labels.map((label, i) => {
    const mine = drawn.flatMap((p, j) => (p.label === label ? [{ p, j }] : []));
    const color = PALETTE[i % PALETTE.length]!, symbol = SYMBOLS[i % SYMBOLS.length]!;
    const hollow = mine.map(({ p }) => flagsOf(p).length > 0);
    return {
      type: "scatter",
      mode: mine.length > 1 ? "lines+markers+text" : "markers",
      name: label,
      x: mine.map(({ p }) => p.alignment.mean),
      y: mine.map(({ p }) => p.task.mean),
      error_x: {
        type: "data",
        array: mine.map(({ p }) => halfInterval(p.alignment)),
        visible: true,
        thickness: 1,
      },
      error_y: {
        type: "data",
        array: mine.map(({ p }) => halfInterval(p.task)),
        visible: true,
        thickness: 1,
      },
      text: mine.map(({ j }) => settings[j]!),
      textposition: mine.map(({ j }) => placements[j]!.position),
      textfont: { size: 10, color },
      customdata: mine.map(({ p }) => [sweptText(p), flagText(p)].filter(Boolean).join("; ")),
      hovertemplate: `${label} %{customdata}<br>alignment %{x:.3f}, task %{y:.3f}<extra></extra>`,
      marker: {
        size: 9,
        color,
        symbol: hollow.map((h) => (h ? `${symbol}-open` : symbol)),
        line: { color, width: hollow.map((h) => (h ? 2 : 0)) },
      },
      line: { color, width: 1.5 },
    };
  });
  data.push(...flagTraces(flags, drawn));
  references.forEach((ref, i) => {
    data.push({
      type: "scatter",
      mode: "markers+text",
      name: ref.name,
      x: [ref.alignment],
      y: [ref.task],
      text: [ref.name],
      textposition: referencePlaces[i]!.position,
      textfont: { size: 11 },
      cliponaxis: false,
      marker: { size: 14, symbol: "star", color: "black" },
    });
  });
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
  const onFrontier = new Set(input.frontier.map((p) => p.id));
  // Name an axis that does not show the whole of 0–1, so that a zoom is not read as a collapse.
  const zoomNote = (axis: string, [low, high]: [number, number]) =>
    low > 0 || high < 1 ? [`${axis} ${low.toFixed(2)}–${high.toFixed(2)}`] : [];
  const zoomed = [...zoomNote("x", xRange), ...zoomNote("y", yRange)];
  return display({
    name: input.name,
    title: input.title,
    caption:
      `Each point is a strategy at one hyper-parameter setting (curves follow its grid): x = ${input.xLabel}, ` +
      `y = ${input.yLabel}, mean over ${input.seeds} ${input.unit ?? "seed"}${input.seeds > 1 ? "s" : ""} ` +
      "with its 95% t-interval. " +
      "Circled points on the dashed line are non-dominated (the Pareto frontier). Diverged runs are left out." +
      flags.map((f) => ` Hollow and marked: ${f.name.replaceAll("<br>", " ")}.`).join("") +
      (zoomed.length ? ` Axes fitted to the points (${zoomed.join(", ")}).` : ""),
    data,
    layout: {
      title: { text: input.title },
      xaxis: { title: { text: input.xLabel }, range: xRange },
      yaxis: { title: { text: input.yLabel }, range: yRange },
      width: WIDTH,
      height: HEIGHT,
      font: FONT,
      legend: { font: { size: 11 } },
    },
    text: textTable(
      ["point", "alignment", "95% ±", "task", "95% ±", "frontier", ...(flags.length ? ["flag"] : [])],
      input.points.map((p) => [
        p.id,
        p.alignment.mean,
        halfInterval(p.alignment),
        p.task.mean,
        halfInterval(p.task),
        onFrontier.has(p.id) ? "*" : "",
        ...(flags.length ? [flagText(p)] : []),
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
 * const [pareto, leaderboard, breakdown] = strategiesToyFigures(summary, categories);
 * ```
 */
export function strategiesToyFigures(summary: StrategiesToySummary, categories: string[]): Figure[] {
  return [
    benchmarkParetoFigure(summary, {
      name: "strategies-toy-pareto",
      title: "Fine-tuning strategies on the toy: task vs alignment",
      xLabel: "alignment (held-out accuracy of the other categories under F)",
      yLabel: `task (held-out ${summary.flipCategory} under the flipped rule)`,
    }),
    leaderboardFigure(
      "strategies-toy-leaderboard",
      "Methods on the toy, ranked by hypervolume",
      summary.leaderboard,
    ),
    perCategoryFigure("strategies-toy-categories", summary.points, categories, summary.flipCategory),
    scorecardFigure(
      "strategies-toy-scorecard",
      "Methods on the toy at their operating points",
      summary.scorecard,
    ),
  ];
}

/** What a benchmark's Pareto needs of its summary. */
export type BenchmarkParetoSummary = Pick<Benchmark, "points" | "frontier" | "gaveUp" | "base">;

/**
 * A benchmark's Pareto, the same in every setting: means over the bases with 95% intervals, the bases before
 * fine-tuning as a star, points that gave up the task hollow and named in the legend (with the setting's own
 * flags, e.g. degenerate), and the frontier of the honest points.
 */
export function benchmarkParetoFigure(
  summary: BenchmarkParetoSummary,
  words: Pick<ParetoInput, "name" | "title" | "xLabel" | "yLabel"> & {
    flags?: PointFlag[];
    references?: ParetoInput["references"];
  },
): Figure {
  return paretoFigure({
    ...words,
    points: summary.points,
    frontier: summary.frontier,
    seeds: Math.max(0, ...summary.points.map((p) => p.bases.length)),
    unit: "base",
    flags: [
      ...(words.flags ?? []),
      {
        name: "gave up the task<br>(kept under half of it;<br>off the frontier)",
        short: "gave up",
        notes: Object.fromEntries(summary.gaveUp.map((id) => [id, ""])),
      },
    ],
    references: [
      {
        name: "base (before fine-tuning)",
        alignment: summary.base.alignment.mean,
        task: summary.base.task.mean,
      },
      ...(words.references ?? []),
    ],
  });
}
