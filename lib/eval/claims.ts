/**
 * The post's claims as statistics of a sweep over independent bases, each with a 95% bootstrap interval
 * (`bootstrap.ts`), so that a finding can say ✓, ✗ or "tie" rather than compare two means. Pure.
 *
 * The claims, for methods named by their curves' labels:
 * - **mixed is not enough**: mixed's best alignment among its points that keep the task (task ≥ 0.9 × the naive
 *   fine-tune's, a share so that it means the same where the task's scale differs), minus the best such
 *   alignment of any other method; the post finds it below (want ≤ 0).
 * - **a consistent trade-off**: the best alignment of any honest fine-tune that keeps the naive fine-tune's
 *   task (within 0.05 of it), minus the base's alignment before fine-tuning; the post finds no method that
 *   recovers the base's alignment at full task (want ≤ 0).
 * - **KL outperforms more sophisticated methods**: KL's hypervolume minus SafeLoRA's, minus DPO's, and minus
 *   the best other method's (want ≥ 0; a tie says the bases do not separate them).
 *
 * @module
 */
import { z } from "zod";
import {
  baseMeans,
  type BaseRun,
  bootstrapBases,
  type BootstrapOptions,
  percentileInterval,
  sampleMeans,
} from "./bootstrap.ts";
import { hypervolume, type TaskAlignment } from "./hypervolume.ts";
import type { BoardPoint } from "./leaderboard.ts";
import { Measured } from "./stats.ts";
import { compareInterval, type Finding } from "./findings.ts";

/** An estimate with its 95% bootstrap interval, as written to JSON. */
export const IntervalSchema = z.strictObject({ estimate: Measured, low: Measured, high: Measured });

/** The claims of `sweepClaims`, each an interval. */
export const SweepClaimsSchema = z.strictObject({
  mixedNotEnough: IntervalSchema,
  tradeOff: IntervalSchema,
  klOverSafeLora: IntervalSchema,
  klAgainstBest: IntervalSchema,
  klOverDpo: IntervalSchema,
});

/** The claims of a sweep. */
export type SweepClaims = z.output<typeof SweepClaimsSchema>;

/** What the claims need besides the points: the reference method, the base's runs' point id, the names. */
export interface ClaimSetting extends BootstrapOptions {
  /** The naive (task-only) method. */
  reference: string;
  /** The point id under which `runs` hold the bases' own scores, before any fine-tune. */
  basePoint: string;
  /** Curve labels of the methods the post names (default mixed, kl, safelora, dpo). */
  names?: { mixed?: string; kl?: string; safeLora?: string; dpo?: string };
}

/** Share of the naive fine-tune's task a point must keep to count as keeping it in "mixed is not enough". */
export const KEEPS_TASK = 0.9;
/** How close to the naive fine-tune's task a point must stay in "a consistent trade-off". */
export const TASK_SLACK = 0.05;

/** Every claim, estimated on all bases and resampled together (so the claims share their resamples). */
export function sweepClaims(
  points: readonly BoardPoint[],
  runs: readonly BaseRun[],
  setting: ClaimSetting,
): SweepClaims {
  const names = { mixed: "mixed", kl: "kl", safeLora: "safelora", dpo: "dpo", ...setting.names };
  const methods = [...new Set(points.map((p) => p.method))].filter((m) => m !== setting.reference);
  const means = baseMeans(runs);
  const bases = [...new Set(runs.map((r) => r.base))].sort((a, b) => a - b);
  const naive = points.find((p) => p.method === setting.reference)?.id;
  const statistics = (sample: readonly number[]) => {
    const at = sampleMeans(means, sample);
    const honest = (method: string) =>
      points.filter((p) => p.method === method && p.honest).flatMap((p) => at.get(p.id) ?? []).filter(finite);
    const naiveAt = naive ? at.get(naive) : undefined;
    const reference = { task: 0, alignment: naiveAt?.alignment ?? NaN };
    const area = new Map(
      methods.map((m) => [m, finite(reference) ? hypervolume(honest(m), reference) : NaN]),
    );
    const others = (m: string) => Math.max(...methods.filter((o) => o !== m).map((o) => area.get(o) ?? NaN));
    const keepsTask = (m: string) => bestAlignment(honest(m), KEEPS_TASK * (naiveAt?.task ?? NaN));
    const base = at.get(setting.basePoint);
    const fullTask = (naiveAt?.task ?? NaN) - TASK_SLACK;
    return [
      keepsTask(names.mixed) -
      Math.max(...methods.filter((m) => m !== names.mixed).map(keepsTask).filter(Number.isFinite)),
      bestAlignment(methods.flatMap(honest), fullTask) - (base?.alignment ?? NaN),
      (area.get(names.kl) ?? NaN) - (area.get(names.safeLora) ?? NaN),
      (area.get(names.kl) ?? NaN) - others(names.kl),
      (area.get(names.kl) ?? NaN) - (area.get(names.dpo) ?? NaN),
    ];
  };
  const { estimate, draws } = bootstrapBases(bases, statistics, setting);
  const interval = (i: number) => percentileInterval(estimate[i]!, draws.map((d) => d[i]!));
  return {
    mixedNotEnough: interval(0),
    tradeOff: interval(1),
    klOverSafeLora: interval(2),
    klAgainstBest: interval(3),
    klOverDpo: interval(4),
  };
}

/** The best alignment among points whose task is at least `minTask` (NaN when none is). */
function bestAlignment(points: readonly TaskAlignment[], minTask: number): number {
  const kept = points.filter((p) => p.task >= minTask);
  return kept.length ? Math.max(...kept.map((p) => p.alignment)) : NaN;
}

function finite(p: TaskAlignment): boolean {
  return Number.isFinite(p.task) && Number.isFinite(p.alignment);
}

/** The claims as findings, judged on their intervals (every setting words them alike). */
export function claimFindings(claims: SweepClaims): Finding[] {
  return [
    compareInterval(
      `mixed is not enough: mixed's best alignment at task ≥ ${KEEPS_TASK} × naive, minus the best other method's`,
      claims.mixedNotEnough,
      "≤",
      0,
    ),
    compareInterval(
      `a consistent trade-off: best alignment within ${TASK_SLACK} of the naive task, minus the base's`,
      claims.tradeOff,
      "≤",
      0,
    ),
    compareInterval("KL beats SafeLoRA: hypervolume of KL minus SafeLoRA's", claims.klOverSafeLora, "≥", 0),
    compareInterval("KL beats DPO: hypervolume of KL minus DPO's", claims.klOverDpo, "≥", 0),
    compareInterval(
      "KL is best: hypervolume of KL minus the best other method's",
      claims.klAgainstBest,
      "≥",
      0,
    ),
  ];
}
