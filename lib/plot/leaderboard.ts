/**
 * A leaderboard as a figure: methods ranked by the hypervolume of their curves, each with its 95% bootstrap
 * interval over bases, and a table that names, for each method, the others it cannot be told apart from.
 * Pure builder.
 *
 * @module
 */
import type { Leaderboard } from "../eval/leaderboard.ts";
import { display, type Figure, textTable } from "./figure.ts";

/**
 * The leaderboard figure: one dot per method (rank 1 at the top) with its interval as a whisker.
 *
 * @example
 * ```ts
 * import { plot, StrategiesToySummarySchema } from "../../mod.ts";
 * const text = await Deno.readTextFile("out/strategies-toy/summary.json");
 * const summary = StrategiesToySummarySchema.parse(JSON.parse(text));
 * await plot.show(plot.leaderboardFigure("toy-leaderboard", "Methods on the toy", summary.leaderboard));
 * ```
 */
export function leaderboardFigure(name: string, title: string, board: Leaderboard): Figure {
  const rows = board.rows.filter((r) => Number.isFinite(r.estimate));
  const separated = rows.filter((r) => r.tiesWith.length === 0).map((r) => r.method);
  return display({
    name,
    title,
    caption:
      `Each method's hypervolume: the area of the task × alignment square its honest points dominate above ` +
      `the naive fine-tune's alignment (${board.reference.alignment.toFixed(3)}) at zero task; larger is ` +
      `better. Whiskers: 95% percentile-bootstrap intervals over ${board.bases} independent bases ` +
      `(${board.resamples} resamples). Methods whose intervals overlap are tied: ` +
      (separated.length
        ? `only ${separated.join(", ")} ${separated.length === 1 ? "is" : "are"} separated from every other.`
        : "no method is separated from every other."),
    data: [{
      type: "scatter",
      mode: "markers",
      name: "hypervolume",
      x: rows.map((r) => r.estimate),
      y: rows.map((r) => `${r.rank}. ${r.method}`),
      error_x: {
        type: "data",
        symmetric: false,
        array: rows.map((r) => r.high - r.estimate),
        arrayminus: rows.map((r) => r.estimate - r.low),
        visible: true,
      },
      marker: { size: 10, color: "#1f77b4" },
      hovertemplate: "%{y}: %{x:.4f}<extra></extra>",
    }],
    layout: {
      title: { text: title },
      xaxis: { title: { text: "hypervolume above the naive fine-tune (95% interval)" }, rangemode: "tozero" },
      yaxis: { autorange: "reversed", automargin: true },
      width: 900,
      height: 160 + 30 * rows.length,
      font: { family: "system-ui, sans-serif", size: 13 },
      showlegend: false,
    },
    text: textTable(
      ["rank", "method", "hypervolume", "95% low", "95% high", "points", "ties with"],
      board.rows.map((r) => [
        r.rank,
        r.method,
        r.estimate,
        r.low,
        r.high,
        r.points,
        r.tiesWith.join(", ") || "—",
      ]),
    ),
  });
}
