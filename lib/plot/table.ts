/**
 * Tables a notebook shows as HTML (with the aligned text beside, for terminals and text-only frontends), so
 * that every number the prose cites is on screen. `findingsTable` puts an experiment's findings in plain
 * words: the claim, what was measured, what the post leads us to expect, and whether it holds.
 *
 * @module
 */
import { type Finding, verdict, verdictCounts } from "../eval/findings.ts";
import type { MimeBundle } from "../io/jupyter.ts";
import { textTable } from "./figure.ts";

/** A table to show: a header, rows of text and numbers, and how many digits numbers get. */
export interface Table {
  kind: "table";
  header: string[];
  rows: (string | number)[][];
  digits: number;
  /** A line under the table. */
  caption?: string;
}

/**
 * A table to `show`.
 *
 * @example
 * ```ts
 * import { plot } from "../../mod.ts";
 * const rows = [["task-only", 0.981, 0.412], ["kl", 0.95, 0.83]];
 * await plot.show(plot.table(["strategy", "task", "alignment"], rows, { caption: "mean of 4 seeds" }));
 * ```
 */
export function table(
  header: string[],
  rows: (string | number)[][],
  options: { digits?: number; caption?: string } = {},
): Table {
  return { kind: "table", header, rows, digits: options.digits ?? 2, ...options };
}

const escape = (s: string) =>
  s.replace(/[&<>"]/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;" })[c]!);

/** The table as HTML (numbers right-aligned) and as aligned text. */
export function tableBundle(t: Table): MimeBundle {
  const cell = (c: string | number, tag: string) =>
    typeof c === "number"
      ? `<${tag} style="text-align:right">${escape(c.toFixed(t.digits))}</${tag}>`
      : `<${tag} style="text-align:left">${escape(c)}</${tag}>`;
  const head = `<tr>${t.header.map((h) => cell(h, "th")).join("")}</tr>`;
  const body = t.rows.map((r) => `<tr>${r.map((c) => cell(c, "td")).join("")}</tr>`).join("");
  const caption = t.caption ? `<caption style="caption-side:bottom">${escape(t.caption)}</caption>` : "";
  const text = textTable(t.header, t.rows, t.digits) + (t.caption ? `\n${t.caption}` : "");
  return {
    "text/html": `<table>${caption}<thead>${head}</thead><tbody>${body}</tbody></table>`,
    "text/plain": text,
  };
}

/** A number as a reader writes it: integers whole, others to three significant digits. */
export function plainNumber(x: number): string {
  if (!Number.isFinite(x)) return "—";
  if (Number.isInteger(x)) return String(x);
  return Math.abs(x) >= 100 ? x.toFixed(0) : x.toPrecision(3).replace(/\.?0+$/, "");
}

/** What a finding expects, in words: "at least 0.9", "at most 0.1", "above 0" for a tiny positive bound. */
export function expectation(f: Pick<Finding, "direction" | "threshold">): string {
  if (f.direction === "≥" && f.threshold > 0 && f.threshold < 1e-3) return "above 0";
  return `${f.direction === "≥" ? "at least" : "at most"} ${plainNumber(f.threshold)}`;
}

/**
 * Findings as a table: claim, measured (with its 95% interval where it has one), expected, and the verdict:
 * ✓, ✗, tie (the interval holds the threshold) or ? (every run behind it diverged).
 *
 * @example
 * ```ts
 * import { plot, toy, ToySummarySchema } from "../../mod.ts";
 * const summary = ToySummarySchema.parse(JSON.parse(await Deno.readTextFile("out/toy/summary.json")));
 * await plot.show(plot.findingsTable(toy.findings(summary)));
 * ```
 */
export function findingsTable(findings: readonly Finding[]): Table {
  const rows = findings.map((f) => [
    f.claim,
    Number.isFinite(f.value)
      ? plainNumber(f.value) + (f.interval ? intervalText(f.interval) : "")
      : "not measurable",
    expectation(f),
    verdict(f),
  ]);
  return table(["claim", "measured [95% interval]", "expected", ""], rows, {
    caption: verdictLine(findings),
  });
}

/** " [low, high]", or why there is no interval. */
function intervalText({ low, high }: { low: number; high: number }): string {
  return Number.isFinite(low) && Number.isFinite(high)
    ? ` [${plainNumber(low)}, ${plainNumber(high)}]`
    : " (no interval: one base)";
}

/** "5 of 7 hold, 1 fails, 1 tie" (and how many are not measurable). */
export function verdictLine(findings: readonly Finding[]): string {
  const counts = verdictCounts(findings);
  return [
    `${counts["✓"]} of ${findings.length} hold`,
    ...(counts["✗"] ? [`${counts["✗"]} ${counts["✗"] === 1 ? "fails" : "fail"}`] : []),
    ...(counts.tie ? [`${counts.tie} ${counts.tie === 1 ? "tie" : "ties"}`] : []),
    ...(counts["?"] ? [`${counts["?"]} not judged`] : []),
  ].join(", ");
}
