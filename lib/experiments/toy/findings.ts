/**
 * The post's qualitative findings on the toy, checked against a summary: forgetting after the narrow flip,
 * Goodharting with one proxy trigger, spillover with five, and proxy closeness: spillover grows with the
 * proxy's similarity to the target in embedding space (judged on r's 95% interval over seeds). Pure; used by
 * the CLI, the notebook and tests so that the numbers quoted in prose are the numbers measured.
 *
 * @module
 */
import { mean } from "../../eval/stats.ts";
import { check, compareInterval, type Finding } from "../../eval/findings.ts";
import { offDiagonalMean } from "../../eval/spillover.ts";
import type { ToySummary } from "./summary.ts";

/** Categories whose K=5 spillover the post highlights (related everyday nouns and verbs). */
export const SPILLOVER_GROUP = ["objects", "animals", "actions", "foods"];

/** The mean off-diagonal accuracy of the K heat map (NaN when it was not run). */
function offDiagonal(summary: ToySummary, k: number, only?: string[]): number {
  const h = summary.heatmaps[`k${k}`];
  return h ? offDiagonalMean(h, summary.flipCategory, only) : NaN;
}

/** The findings the toy should show (thresholds: what the post shows, with room for a 4-seed laptop run). */
export function toyFindings(summary: ToySummary): Finding[] {
  const others = summary.categories.filter((c) => c !== summary.flipCategory);
  const stage1 = summary.stage1.heldOutAccuracy;
  const flipped = summary.noProxy.accuracy;
  return [
    check(
      "base held-out accuracy, worst category",
      Math.min(...summary.categories.map((c) => stage1[c]!.mean)),
      "≥",
      0.95,
    ),
    check(
      `flipped-task accuracy (${summary.flipCategory}) after the flip`,
      flipped[summary.flipCategory]!.mean,
      "≥",
      0.9,
    ),
    check(
      "mean accuracy of the other categories after the flip (forgetting)",
      mean(others.map((c) => flipped[c]!.mean)),
      "≤",
      0.2,
    ),
    check("K=1: mean off-diagonal accuracy (Goodharting)", offDiagonal(summary, 1), "≤", 0.5),
    check(
      `K=5: mean off-diagonal accuracy among ${SPILLOVER_GROUP.join(", ")} (spillover)`,
      offDiagonal(summary, 5, SPILLOVER_GROUP),
      "≥",
      0.35,
    ),
    proxyCloseness(summary),
  ];
}

/** Proxy closeness: Pearson r of spillover against centroid cosine, ✓ when its whole interval is above 0. */
export function proxyCloseness(summary: Pick<ToySummary, "similarity">): Finding {
  const { k, pearsonR, interval } = summary.similarity;
  return compareInterval(
    `proxy closeness: K=${k} spillover against embedding similarity (Pearson r over proxy→target pairs)`,
    { estimate: pearsonR ?? NaN, ...interval },
    "≥",
    0,
  );
}
