/**
 * A finding: one of the post's claims, the value an experiment measured, and whether it holds. Pure; the CLI,
 * the notebooks and the tests share these so that the numbers quoted in prose are the numbers measured.
 *
 * @module
 */

/**
 * One claim, the measured value and whether it holds.
 *
 * @example
 * ```ts
 * import { type Finding, formatFindings } from "../../mod.ts";
 * const value = 0.97; // e.g. the flipped task's held-out accuracy after the narrow fine-tune
 * const finding: Finding = {
 *   claim: "the flip is learnt", value, direction: "≥", threshold: 0.9, holds: value >= 0.9,
 * };
 * console.log(formatFindings([finding])); // ✓ the flip is learnt: 0.970 (want ≥ 0.9)
 * ```
 */
export interface Finding {
  claim: string;
  value: number;
  threshold: number;
  /** "≥" or "≤": how value must compare to threshold. */
  direction: "≥" | "≤";
  holds: boolean;
  /** The value's 95% interval, for a finding judged on it (see `compareInterval`). */
  interval?: { low: number; high: number };
  /** True when that interval contains the threshold: the data neither support nor refute the claim. */
  tie?: boolean;
}

/** A finding's outcome: ✓ holds, ✗ fails, "tie" undecided by its interval, ? not measurable. */
export type Verdict = "✓" | "✗" | "tie" | "?";

/** The outcome of a finding (see `Verdict`). */
export function verdict(f: Finding): Verdict {
  if (!Number.isFinite(f.value) || (f.interval && !hasInterval(f))) return "?";
  if (f.tie) return "tie";
  return f.holds ? "✓" : "✗";
}

/** Whether a finding judged on an interval has one (a single base gives none). */
function hasInterval(f: Finding): boolean {
  return f.interval !== undefined && Number.isFinite(f.interval.low) && Number.isFinite(f.interval.high);
}

/** How many findings came out each way. */
export function verdictCounts(findings: readonly Finding[]): Record<Verdict, number> {
  const counts: Record<Verdict, number> = { "✓": 0, "✗": 0, tie: 0, "?": 0 };
  for (const f of findings) counts[verdict(f)]++;
  return counts;
}

/**
 * A finding judged on an interval: ✓ when the whole 95% interval lies on the claimed side of the threshold,
 * ✗ when it lies wholly on the other side, a tie when it contains the threshold. An estimate without an
 * interval (NaN bounds: one base) is not judged (? ), and neither is a missing estimate.
 */
export function compareInterval(
  claim: string,
  estimate: { estimate: number; low: number; high: number },
  direction: "≥" | "≤",
  threshold: number,
): Finding {
  const { low, high } = estimate;
  const measurable = [estimate.estimate, low, high].every(Number.isFinite);
  const value = estimate.estimate;
  const above = low > threshold, below = high < threshold;
  const holds = measurable && (direction === "≥" ? above : below);
  const fails = measurable && (direction === "≥" ? below : above);
  return {
    claim,
    value,
    threshold,
    direction,
    holds,
    interval: { low, high },
    tie: measurable && !holds && !fails,
  };
}

/** `compareInterval` on a mean over bases with its 95% t-interval. */
export function compareMean(
  claim: string,
  m: { mean: number; low: number; high: number },
  direction: "≥" | "≤",
  threshold: number,
): Finding {
  return compareInterval(claim, { estimate: m.mean, low: m.low, high: m.high }, direction, threshold);
}

/**
 * A finding: the claim, the measured value, and whether it passes the threshold. A value that is not finite
 * (every run behind it diverged) is not measurable and never holds.
 */
export function check(claim: string, value: number, direction: "≥" | "≤", threshold: number): Finding {
  const holds = Number.isFinite(value) && (direction === "≥" ? value >= threshold : value <= threshold);
  return { claim, value, threshold, direction, holds };
}

/**
 * The findings as aligned text lines.
 *
 * @example
 * ```ts
 * import { formatFindings, toy, ToySummarySchema } from "../../mod.ts";
 * const summary = ToySummarySchema.parse(JSON.parse(await Deno.readTextFile("out/toy/summary.json")));
 * const findings = toy.findings(summary);
 * // "✓ claim: value (want ≥ threshold)" each; ✗ if it fails, tie if its interval holds the threshold, ? if not measurable
 * console.log(formatFindings(findings));
 * if (!findings.every((f) => f.holds)) Deno.exitCode = 1;
 * ```
 */
export function formatFindings(findings: readonly Finding[]): string {
  return findings.map((f) => {
    const want = `(want ${f.direction} ${f.threshold})`;
    const interval = f.interval ? ` [95% ${f.interval.low.toFixed(3)}, ${f.interval.high.toFixed(3)}]` : "";
    if (!Number.isFinite(f.value)) {
      return `? ${f.claim}: not measurable: its runs diverged, failed or are missing ${want}`;
    }
    if (f.interval && !hasInterval(f)) {
      return `? ${f.claim}: ${
        f.value.toFixed(3)
      }, not judged: a 95% interval needs two or more bases ${want}`;
    }
    return `${verdict(f)} ${f.claim}: ${f.value.toFixed(3)}${interval} ${want}`;
  }).join("\n");
}
