/**
 * The scorecard as a figure (a plotly table, so that it sits in the gallery beside the leaderboard) and as a
 * notebook table: each method at its operating point, on the four criteria, each mean with its 95% interval
 * over the bases. Pure builders.
 *
 * @module
 */
import { type Scorecard, type ScorecardRow, TASK_KEPT_SHARE } from "../eval/scorecard.ts";
import type { MeanCi } from "../eval/stats.ts";
import { display, type Figure, textTable } from "./figure.ts";
import { type Table, table } from "./table.ts";

const HEADER = [
  "method",
  "point",
  "disposition prevented",
  "task learnt",
  "capability kept",
  "coherence kept",
];

/** "0.83 [0.71, 0.95]", or "—" where the criterion is not measured. */
function cell(x: MeanCi | null): string {
  if (!x || !Number.isFinite(x.mean)) return "—";
  return Number.isFinite(x.low)
    ? `${x.mean.toFixed(2)} [${x.low.toFixed(2)}, ${x.high.toFixed(2)}]`
    : x.mean.toFixed(2);
}

const percent = `${Math.round(TASK_KEPT_SHARE * 100)}%`;

function cells(r: ScorecardRow): string[] {
  return [
    r.method,
    r.keepsTask ? r.point : `${r.point} (keeps < ${percent} of the task gain)`,
    cell(r.disposition),
    cell(r.task),
    cell(r.capability),
    cell(r.coherence),
  ];
}

/** What the columns measure, and how the point was chosen. */
function caption(card: Scorecard): string {
  return `Each method at its operating point: its honest point with the highest alignment among those that ` +
    `keep ${percent} of the naive fine-tune's task gain (task ≥ ${
      card.taskFloor.toFixed(2)
    }), else its point with ` +
    `the most task. Disposition prevented: alignment; capability: ${
      card.capability ?? "not measured apart"
    }; ` +
    `coherence: ${
      card.coherence ?? "not measured"
    }. Means over the bases with 95% t-intervals, conditional on ` +
    `the point chosen on the same bases.`;
}

/** The scorecard as a table to show in a notebook. */
export function scorecardTable(card: Scorecard): Table {
  return table(HEADER, card.rows.map(cells), { caption: caption(card) });
}

/** The scorecard as a figure: a plotly table, with the same numbers as text. */
export function scorecardFigure(name: string, title: string, card: Scorecard): Figure {
  const rows = card.rows.map(cells);
  return display({
    name,
    title,
    caption: caption(card),
    data: [{
      type: "table",
      columnwidth: [1.5, 3.1, 1.4, 1.4, 1.4, 1.4],
      header: { values: HEADER, align: "left", font: { size: 12 }, fill: { color: "#e8eef7" } },
      cells: {
        values: HEADER.map((_, c) => rows.map((r) => r[c]!)),
        align: "left",
        font: { size: 11 },
        height: 22,
      },
    }],
    layout: {
      title: { text: title },
      width: 1100,
      height: 140 + 24 * rows.length,
      margin: { l: 10, r: 10, t: 50, b: 10 },
      font: { family: "system-ui, sans-serif", size: 12 },
    },
    text: textTable(HEADER, rows),
  });
}
