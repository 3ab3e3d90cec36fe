/**
 * The post's claims on the strategy comparison on the toy, judged on their 95% bootstrap intervals over the
 * bases (the summary's `claims`): ✓, ✗ or a tie. Pure.
 *
 * @module
 */
import type { Finding } from "../../eval/findings.ts";
import { claimFindings } from "../../eval/claims.ts";
import type { StrategiesToySummary } from "./summary.ts";

/** Checks the comparison's claims. */
export function strategiesToyFindings(summary: StrategiesToySummary): Finding[] {
  return claimFindings(summary.claims);
}
