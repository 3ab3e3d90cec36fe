/**
 * The post's own emergent-misalignment Pareto, drawn with our plotting code from imported evaluation CSVs
 * (x = % general answers judged aligned, y = % medical answers judged misaligned). Pure.
 *
 * @module
 */
import type { StrategyPoint } from "../eval/points.ts";
import type { OriginalPoint } from "../eval/original.ts";
import type { Figure } from "./figure.ts";
import { paretoFigure } from "./strategies.ts";

function asPoint(p: OriginalPoint): StrategyPoint {
  return {
    id: p.label,
    strategy: p.method,
    label: p.method,
    params: {},
    swept: { run: p.label },
    task: { mean: p.medicalMisalignment / 100, sem: 0 },
    alignment: { mean: p.generalAlignment / 100, sem: 0 },
    seeds: [],
    divergedSeeds: [],
    breakdown: {},
  };
}

/**
 * The post's Pareto from imported runs (one curve per method, in map order).
 *
 * @example
 * ```ts
 * import { importOriginalRuns, originalParetoFigure, withImages } from "../../mod.ts";
 * const { points, frontier } = await importOriginalRuns("data/original/runs.yaml");
 * const [pareto] = await withImages([originalParetoFigure(points, frontier)]);
 * ```
 */
export function originalParetoFigure(
  points: readonly OriginalPoint[],
  frontier: readonly OriginalPoint[],
): Figure {
  const converted = points.map(asPoint);
  const figure = paretoFigure({
    name: "original-em-pareto",
    title: "The post's emergent-misalignment Pareto, from its evaluation CSVs",
    points: converted,
    frontier: frontier.map((f) => converted[points.indexOf(f)]!),
    xLabel: "general alignment (share of answers judged aligned, score ≥ 80)",
    yLabel: "task (share of medical answers judged misaligned, score < 80)",
    seeds: 1,
  });
  return {
    ...figure,
    caption:
      "Each point is one run of the original research code, scored exactly as in the post from its judge " +
      "CSVs (rows the judge left unscored stay in the denominators). Lines join the runs of one method.",
  };
}
