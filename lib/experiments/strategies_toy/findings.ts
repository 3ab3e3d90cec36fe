/**
 * What the strategy comparison on the toy should show, checked against a summary. Pure.
 *
 * @module
 */
import { check, type Finding } from "../../eval/findings.ts";
import { STRATEGIES } from "../../strategies/registry.ts";
import type { StrategiesToySummary } from "./summary.ts";
import type { StrategyPoint } from "../../eval/points.ts";

/** The point of a strategy with the largest value of one swept parameter (the grid's end). */
export function largestOf(
  points: readonly StrategyPoint[],
  strategy: string,
  param: string,
): StrategyPoint | undefined {
  return points
    .filter((p) => p.strategy === strategy && p.label === strategy && typeof p.swept[param] === "number")
    .sort((a, b) => (b.swept[param] as number) - (a.swept[param] as number))[0];
}

/** Checks the comparison's claims. */
export function strategiesToyFindings(summary: StrategiesToySummary): Finding[] {
  const { points } = summary;
  const minSeeds = Math.min(
    ...STRATEGIES.map((s) =>
      Math.max(0, ...points.filter((p) => p.strategy === s.name).map((p) => p.seeds.length))
    ),
  );
  const taskOnly = points.find((p) => p.strategy === "task-only");
  const best = (name: string) =>
    Math.min(...points.filter((p) => p.strategy === name).map((p) => p.alignment.mean));
  const othersLowest = Math.min(best("mixed"), best("up-weighted"), best("kl"));
  const findings = [
    check("seeds behind the best-covered point of the least-covered strategy", minSeeds, "≥", 4),
    check(
      "lowest alignment of mixed, up-weighted and KL minus task-only's",
      othersLowest - (taskOnly?.alignment.mean ?? NaN),
      "≥",
      0,
    ),
  ];
  for (const [strategy, param] of [["up-weighted", "lambdaProxy"], ["kl", "beta"]] as const) {
    const top = largestOf(points, strategy, param);
    const label = `${strategy} ${param}=${top?.swept[param]}`;
    findings.push(
      check(
        `${label}: alignment gain over task-only`,
        (top?.alignment.mean ?? NaN) - (taskOnly?.alignment.mean ?? NaN),
        "≥",
        0.2,
      ),
      check(`${label}: task accuracy`, top?.task.mean ?? NaN, "≥", 0.85),
    );
  }
  return findings;
}
