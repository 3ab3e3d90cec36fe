/**
 * Figures read as static images: point labels on the toy's similarity scatter, Pareto axes fitted to the
 * data, flagged (degenerate, diverged) points in their own legend-named trace. Hand-made summaries, no training.
 */
import assert from "node:assert/strict";
import type { StrategyPoint } from "../lib/eval/points.ts";
import { meanCi } from "../lib/eval/stats.ts";
import { fittedRange, intervalExtent } from "../lib/plot/axes.ts";
import { emParetoFigure } from "../lib/plot/em.ts";
import type { Figure } from "../lib/plot/figure.ts";
import { labelPositions } from "../lib/plot/labels.ts";
import { paretoFigure } from "../lib/plot/strategies.ts";
import { sycophancyParetoFigure } from "../lib/plot/sycophancy.ts";
import { toySimilarityFigure } from "../lib/plot/toy.ts";

type Trace = Record<string, unknown>;
const traces = (figure: Figure) => figure.data as Trace[];
const range = (figure: Figure, axis: "xaxis" | "yaxis") =>
  (figure.layout[axis] as { range: [number, number] }).range;

/** The default run's K = 5 pairs (proxy, target, cosine, accuracy), rounded. */
const PAIRS: [string, string, number, number][] = [
  ["objects", "animals", 0.477, 0.494],
  ["objects", "negative_emotions", 0.303, 0.004],
  ["objects", "actions", 0.635, 0.308],
  ["objects", "foods", 0.387, 0.472],
  ["animals", "objects", 0.477, 0.361],
  ["animals", "negative_emotions", 0.219, 0.002],
  ["animals", "actions", 0.482, 0.233],
  ["animals", "foods", 0.450, 0.568],
  ["negative_emotions", "objects", 0.303, 0.185],
  ["negative_emotions", "animals", 0.219, 0.364],
  ["negative_emotions", "actions", 0.506, 0.107],
  ["negative_emotions", "foods", 0.103, 0.447],
  ["actions", "objects", 0.635, 0.597],
  ["actions", "animals", 0.482, 0.641],
  ["actions", "negative_emotions", 0.506, 0.005],
  ["actions", "foods", 0.354, 0.538],
  ["foods", "objects", 0.387, 0.300],
  ["foods", "animals", 0.450, 0.436],
  ["foods", "negative_emotions", 0.103, 0.031],
  ["foods", "actions", 0.354, 0.132],
];

const similaritySummary = {
  similarity: {
    k: 5,
    pearsonR: 0.32,
    interval: { low: -0.04, high: 0.61 },
    pairs: PAIRS.map(([proxy, target, cosine, accuracy]) => ({ proxy, target, cosine, accuracy })),
  },
};

Deno.test("the similarity scatter labels every pair and groups the points by target category", () => {
  const figure = toySimilarityFigure(similaritySummary);
  const data = traces(figure);
  assert.deepEqual(data.map((t) => t.name), ["animals", "neg. emotions", "actions", "foods", "objects"]);
  const negative = data.find((t) => t.name === "neg. emotions")!;
  assert.ok(String(negative.mode).includes("text"));
  // The prose's pair: actions are negative emotions' nearest neighbour (cosine 0.51) and restore almost nothing.
  const i = (negative.text as string[]).indexOf("actions→neg. emotions");
  assert.ok(i >= 0, `labels: ${negative.text}`);
  assert.equal((negative.x as number[])[i], 0.506);
  assert.equal((negative.y as number[])[i], 0.005);
  const labels = data.flatMap((t) => t.text as string[]);
  assert.equal(new Set(labels).size, PAIRS.length);
  for (const t of data) assert.equal((t.textposition as string[]).length, (t.x as number[]).length);
  // Accuracies reach 0.64 at most: the y axis ends well below 1 but still shows 0.
  const [low, high] = range(figure, "yaxis");
  assert.ok(low <= 0 && high < 0.8, `y range ${low}–${high}`);
  // An interval that holds 0 is shown, and the title claims no relation.
  assert.equal(figure.title, "Spillover against similarity in embedding space: r = 0.32 [95% -0.04, 0.61]");
});

/** A strategy point with the given means and SEMs (its 95% interval taken as ± 2 SEM, as for many seeds). */
function point(
  id: string,
  label: string,
  alignment: [number, number],
  task: [number, number],
): StrategyPoint {
  return {
    id,
    strategy: label,
    label,
    params: {},
    swept: {},
    alignment: {
      n: 3,
      mean: alignment[0],
      sem: alignment[1],
      low: alignment[0] - 2 * alignment[1],
      high: alignment[0] + 2 * alignment[1],
    },
    task: { n: 3, mean: task[0], sem: task[1], low: task[0] - 2 * task[1], high: task[0] + 2 * task[1] },
    bases: [1, 2, 3],
    seeds: [1, 2, 3],
    divergedSeeds: [],
    breakdown: {},
  };
}

/** The default sycophancy run's points, rounded: every capability between 0.38 and 0.53. */
const SYCOPHANCY_POINTS = [
  point("naive", "naive (task-only)", [0.512, 0.002], [0.524, 0.005]),
  point("mixed", "mixed", [0.889, 0.003], [0.511, 0.007]),
  point("up-weighted-lambdaProxy=3", "up-weighted", [0.911, 0.004], [0.509, 0.003]),
  point("kl-beta=10", "kl", [0.683, 0.001], [0.521, 0.004]),
  point("dpo-beta=1,lambda=1", "dpo", [0.89, 0.006], [0.529, 0.011]),
  point("o-lora-lambda=10", "o-lora", [0.723, 0.008], [0.53, 0.002]),
  point("steering-mode=at-end,alpha=1", "steer-at-end", [0.931, 0.005], [0.383, 0.014]),
  point("caft-directions=4", "caft", [0.579, 0.036], [0.434, 0.008]),
];
const DEGENERATE = [
  "mixed",
  "up-weighted-lambdaProxy=3",
  "dpo-beta=1,lambda=1",
  "steering-mode=at-end,alpha=1",
];

const sycophancySummary = {
  points: SYCOPHANCY_POINTS,
  frontier: [SYCOPHANCY_POINTS[5]!],
  degenerate: DEGENERATE.map((point) => ({ point, domains: ["capitals", "medical"] })),
  incoherent: [],
  gaveUp: [],
  // The bases before fine-tuning, inside the cluster (their star is drawn too).
  base: { alignment: meanCi([0.74, 0.75, 0.76]), task: meanCi([0.44, 0.45, 0.46]) },
};

Deno.test("Pareto axes contain every point's interval and zoom in on a squeezed cluster", () => {
  const figure = sycophancyParetoFigure(sycophancySummary);
  for (const [axis, of] of [["xaxis", "alignment"], ["yaxis", "task"]] as const) {
    const [low, high] = range(figure, axis);
    for (const v of intervalExtent(SYCOPHANCY_POINTS.map((p) => p[of]))) {
      assert.ok(low < v && v < high, `${axis} ${low}–${high} misses ${v}`);
    }
  }
  const [low, high] = range(figure, "yaxis");
  assert.ok(low > 0.3 && high < 0.6, `capabilities lie in 0.37–0.54, the axis spans ${low}–${high}`);
  assert.match(figure.caption, /Axes fitted to the points \(.*y 0\.3\d–0\.5\d/);
});

Deno.test("Pareto axes keep 0–1 where the data spans it", () => {
  const figure = emParetoFigure({
    points: [
      point("naive", "naive", [0.04, 0.02], [1, 0]),
      point("b", "safelora", [0.99, 0.01], [0.03, 0.03]),
    ],
    frontier: [],
    gaveUp: [],
    base: { alignment: meanCi([1, 1]), task: meanCi([0, 0]) },
    control: { naive: { alignment: { mean: 0.56, sem: 0.01 }, task: { mean: 0.57, sem: 0.02 } } } as never,
    incoherent: [],
    regime: "total",
  });
  assert.match(figure.title, /total misalignment/);
  for (const axis of ["xaxis", "yaxis"] as const) {
    const [low, high] = range(figure, axis);
    assert.ok(low < 0 && high > 1 && high - low < 1.2, `${axis} ${low}–${high}`);
  }
  assert.doesNotMatch(figure.caption, /Axes fitted/);
});

Deno.test("degenerate points are hollow on their curve and crossed out in a trace named in the legend", () => {
  const figure = sycophancyParetoFigure(sycophancySummary);
  const flagged = traces(figure).filter((t) => String(t.name).startsWith("degenerate"));
  assert.equal(flagged.length, 1);
  const trace = flagged[0]!;
  assert.notEqual(trace.showlegend, false);
  const byId = new Map(SYCOPHANCY_POINTS.map((p) => [p.id, p]));
  assert.deepEqual(trace.x, DEGENERATE.map((id) => byId.get(id)!.alignment.mean));
  assert.deepEqual(trace.y, DEGENERATE.map((id) => byId.get(id)!.task.mean));
  const symbolOf = (name: string) =>
    (traces(figure).find((t) => t.name === name)!.marker as { symbol: string[] }).symbol;
  assert.match(symbolOf("mixed")[0]!, /-open$/);
  assert.doesNotMatch(symbolOf("kl")[0]!, /-open$/);
  // The text table marks them too, and the frontier by id.
  assert.match(figure.text, /mixed .*degenerate/);
  assert.match(figure.text, /o-lora-lambda=10 .*\*/);
  // With nothing degenerate there is no such trace, and no flag column.
  const honest = sycophancyParetoFigure({ ...sycophancySummary, degenerate: [] });
  assert.ok(!traces(honest).some((t) => String(t.name).startsWith("degenerate")));
  assert.doesNotMatch(honest.text, /flag/);
});

Deno.test("a point with a diverged seed is flagged in its own trace; curves label their settings", () => {
  const kl = [
    point("kl-beta=1", "kl", [0.3, 0.05], [0.9, 0.02]),
    point("kl-beta=100", "kl", [0.7, 0.05], [0.6, 0.02]),
  ];
  kl[0]!.swept = { beta: 1 };
  kl[1]!.swept = { beta: 100 };
  const unstable = { ...point("dpo", "dpo", [0.5, 0.1], [0.8, 0.05]), divergedSeeds: [2] };
  const figure = paretoFigure({
    name: "p",
    title: "t",
    points: [...kl, unstable],
    frontier: kl,
    xLabel: "alignment",
    yLabel: "task",
    seeds: 3,
  });
  const diverged = traces(figure).find((t) => String(t.name).startsWith("some seeds diverged"))!;
  assert.deepEqual(diverged.x, [0.5]);
  assert.deepEqual(traces(figure).find((t) => t.name === "kl")!.text, ["β=1", "β=100"]);
  assert.ok(!traces(figure).some((t) => String(t.name).startsWith("degenerate")));
});

Deno.test("fittedRange pads, snaps to a bound the data nearly reaches, and widens a tight cluster", () => {
  const [low, high] = fittedRange([0.38, 0.53]);
  assert.ok(low < 0.38 && low > 0.3 && high > 0.53 && high < 0.6);
  const [fullLow, fullHigh] = fittedRange([0.04, 0.97]);
  assert.ok(fullLow < 0 && fullHigh > 1);
  const [tightLow, tightHigh] = fittedRange([0.5, 0.501]);
  assert.ok(tightHigh - tightLow >= 0.1);
  assert.deepEqual(fittedRange([NaN]), fittedRange([0, 1]));
});

Deno.test("labelPositions keeps two close labels apart and says when a place is crowded", () => {
  const area = {
    xRange: [0, 1],
    yRange: [0, 1],
    width: 600,
    height: 400,
    fontSize: 11,
    markerRadius: 5,
  } as const;
  const [first, second] = labelPositions([
    { x: 0.5, y: 0.5, text: "first label" },
    { x: 0.5, y: 0.51, text: "second label" },
  ], area);
  assert.notEqual(first!.position, second!.position);
  assert.ok(!first!.crowded && !second!.crowded);
  const pile = Array.from({ length: 12 }, (_, i) => ({ x: 0.5, y: 0.5 + i * 0.001, text: `label ${i}` }));
  assert.ok(labelPositions(pile, area).some((p) => p.crowded));
});
