/**
 * A finding: one of the post's claims, the value an experiment measured, and whether it holds. Pure; the CLI,
 * the notebooks and the tests share these so that the numbers quoted in prose are the numbers measured.
 *
 * @module
 */

/** One claim, the measured value and whether it holds. */
export interface Finding {
  claim: string;
  value: number;
  threshold: number;
  /** "≥" or "≤": how value must compare to threshold. */
  direction: "≥" | "≤";
  holds: boolean;
}

/** A finding: the claim, the measured value, and whether it passes the threshold. */
export function check(claim: string, value: number, direction: "≥" | "≤", threshold: number): Finding {
  const holds = direction === "≥" ? value >= threshold : value <= threshold;
  return { claim, value, threshold, direction, holds };
}

/** The findings as aligned text lines. */
export function formatFindings(findings: readonly Finding[]): string {
  return findings.map((f) =>
    `${f.holds ? "✓" : "✗"} ${f.claim}: ${f.value.toFixed(3)} (want ${f.direction} ${f.threshold})`
  ).join("\n");
}
