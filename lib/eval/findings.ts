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
 * console.log(formatFindings(findings)); // "✓ claim: value (want ≥ threshold)" each; ✗ if it fails, ? if not measurable
 * if (!findings.every((f) => f.holds)) Deno.exitCode = 1;
 * ```
 */
export function formatFindings(findings: readonly Finding[]): string {
  return findings.map((f) =>
    Number.isFinite(f.value)
      ? `${f.holds ? "✓" : "✗"} ${f.claim}: ${f.value.toFixed(3)} (want ${f.direction} ${f.threshold})`
      : `? ${f.claim}: not measurable: its runs diverged, failed or are missing (want ${f.direction} ${f.threshold})`
  ).join("\n");
}
