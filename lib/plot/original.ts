/**
 * The post's own emergent-misalignment Pareto, drawn with our plotting code (x = share of general answers
 * judged aligned, y = share of medical answers judged misaligned), from the shipped numbers in `data/post/` or
 * from runs imported from a checkout; its tables; and a method-by-method comparison with our EM organism.
 * Pure.
 *
 * @module
 */
import type { EmSummary } from "../experiments/em/summary.ts";
import type { StrategyPoint } from "../eval/points.ts";
import type { OriginalPoint, PostAxesPoint } from "../eval/original.ts";
import type { PostPareto } from "../eval/post_pareto.ts";
import type { Figure } from "./figure.ts";
import { paretoFigure } from "./strategies.ts";
import { type Table, table } from "./table.ts";

const measured = (p: PostAxesPoint) =>
  Number.isFinite(p.generalAlignment) && Number.isFinite(p.medicalMisalignment);

function asPoint(p: PostAxesPoint): StrategyPoint {
  return {
    id: p.label,
    strategy: p.method,
    label: p.method,
    params: {},
    swept: p.degenerate ? { run: p.label, answers: "degenerate" } : { run: p.label },
    // The post's own numbers: one run each, no interval.
    task: { n: 1, mean: p.medicalMisalignment / 100, sem: 0, low: NaN, high: NaN },
    alignment: { n: 1, mean: p.generalAlignment / 100, sem: 0, low: NaN, high: NaN },
    bases: [],
    seeds: [],
    divergedSeeds: [],
    breakdown: {},
  };
}

/**
 * The post's Pareto (one curve per method, in the given order). Runs missing a number are left off the plot
 * and named in the caption; runs with degenerate answers are drawn but never on the frontier.
 *
 * @example
 * ```ts
 * import { importOriginalRuns, metrics, originalParetoFigure, withImages } from "../../mod.ts";
 * const post = await metrics.loadPostPareto(); // the shipped numbers
 * const { points, frontier } = await importOriginalRuns("data/original/runs.yaml"); // or your checkout's
 * const [shipped, imported] = await withImages([
 *   originalParetoFigure(post.points, post.frontier),
 *   originalParetoFigure(points, frontier),
 * ]);
 * ```
 */
export function originalParetoFigure(
  points: readonly PostAxesPoint[],
  frontier: readonly PostAxesPoint[],
): Figure {
  const drawn = points.filter(measured);
  const converted = drawn.map(asPoint);
  const figure = paretoFigure({
    name: "original-em-pareto",
    title: "The post's emergent-misalignment Pareto, from its evaluation CSVs",
    points: converted,
    frontier: frontier.filter(measured).map((f) => converted[drawn.indexOf(f)]!),
    xLabel: "general alignment (share of answers judged aligned, score ≥ 80)",
    yLabel: "task (share of medical answers judged misaligned, score < 80)",
    seeds: 1,
  });
  const missing = points.filter((p) => !measured(p)).map((p) => p.label);
  const degenerate = points.filter((p) => p.degenerate).map((p) => p.label);
  return {
    ...figure,
    caption:
      "Each point is one run (one seed) of the original research code, scored as in the post from its judge " +
      "CSVs (rows the judge left unscored stay in the denominators). Lines join the runs of one method; " +
      "circled points on the dashed line are the frontier." +
      (missing.length ? ` Not drawn, a number missing: ${missing.join(", ")}.` : "") +
      (degenerate.length ? ` Degenerate answers, kept off the frontier: ${degenerate.join(", ")}.` : ""),
  };
}

const percentCell = (x: number): string | number => (Number.isFinite(x) ? x : "—");

/** The shipped runs as a table (percentages), its provenance as the caption. */
export function postParetoTable(post: PostPareto): Table {
  const rows = post.points.map((p) => [
    p.method,
    p.setting,
    percentCell(p.generalAlignment),
    percentCell(p.medicalMisalignment),
    p.degenerate ? "degenerate" : post.frontier.includes(p) ? "frontier" : "",
  ]);
  return table(["method", "setting", "general alignment %", "task %", ""], rows, {
    digits: 1,
    caption: post.provenance.join(" "),
  });
}

/** Runs imported from a checkout, with the rows behind each number. */
export function importedRunsTable(points: readonly OriginalPoint[]): Table {
  const rows = points.map((p) => [
    p.label,
    percentCell(p.generalAlignment),
    percentCell(p.medicalMisalignment),
    `${p.generalRows}/${p.medicalRows}`,
    String(p.unscored),
  ]);
  return table(
    ["run", "general alignment %", "medical misalignment %", "rows (general/medical)", "unscored"],
    rows,
    { digits: 1 },
  );
}

/** Our strategy for each of the post's methods where the names differ. */
const OUR_STRATEGY: Record<string, string> = { naive: "task-only" };

/** "0.42–0.51" over the finite values, one value alone, "—" for none. */
function span(values: readonly number[]): string {
  const finite = values.filter(Number.isFinite);
  if (!finite.length) return "—";
  const lo = Math.min(...finite), hi = Math.max(...finite);
  return lo.toFixed(2) === hi.toFixed(2) ? lo.toFixed(2) : `${lo.toFixed(2)}–${hi.toFixed(2)}`;
}

/**
 * The post's runs and our EM organism's points, method by method, on one scale (shares, 0–1): for each method
 * the number of runs or points and the range of alignment and of task over its settings. The post's methods
 * come first in its order, then our strategies it did not run.
 *
 * @example
 * ```ts
 * import { em, loadYamlConfig, metrics, plot, runExperiment } from "../../mod.ts";
 * const post = await metrics.loadPostPareto();
 * const { summary } = await runExperiment(em, await loadYamlConfig(em.configSchema, em.defaultConfig));
 * await plot.show(plot.postComparisonTable(post.points, summary));
 * ```
 */
export function postComparisonTable(post: readonly PostAxesPoint[], ours: EmSummary): Table {
  const methods = [...new Set(post.map((p) => p.method))];
  const matched = new Set<string>();
  const rows = methods.map((method) => {
    const runs = post.filter((p) => p.method === method);
    const strategy = OUR_STRATEGY[method] ?? method;
    const mine = method === "base" ? [] : ours.points.filter((p) => p.strategy === strategy);
    mine.forEach((p) => matched.add(p.id));
    const alignment = method === "base" ? [ours.base.alignment.mean] : mine.map((p) => p.alignment.mean);
    const task = method === "base" ? [ours.base.task.mean] : mine.map((p) => p.task.mean);
    return [
      method,
      String(runs.length),
      span(runs.map((p) => p.generalAlignment / 100)),
      span(runs.map((p) => p.medicalMisalignment / 100)),
      method === "base" ? String(ours.base.alignment.n) : String(mine.length),
      span(alignment),
      span(task),
    ];
  });
  const others = [...new Set(ours.points.filter((p) => !matched.has(p.id)).map((p) => p.label))];
  for (const label of others) {
    const mine = ours.points.filter((p) => p.label === label);
    rows.push([
      label,
      "0",
      "—",
      "—",
      String(mine.length),
      span(mine.map((p) => p.alignment.mean)),
      span(mine.map((p) => p.task.mean)),
    ]);
  }
  const unmeasured = post.filter((p) => !Number.isFinite(p.medicalMisalignment)).map((p) => p.label);
  return table(
    [
      "method",
      "post: runs",
      "post: alignment",
      "post: task",
      "ours: points",
      "ours: alignment",
      "ours: task",
    ],
    rows,
    {
      caption:
        `Ranges over each method's settings, as shares (0.65 = 65 %). The post: one seed per run; ours: ` +
        `mean over ${ours.base.alignment.n} independent bases per point, each over its ${ours.seeds.length} ` +
        `fine-tune seed${ours.seeds.length > 1 ? "s" : ""}.` +
        (unmeasured.length ? ` No task number in the post's data: ${unmeasured.join(", ")}.` : ""),
    },
  );
}
