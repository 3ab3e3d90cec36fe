/**
 * Figures of the proxy-quality experiments: the proxies compared at each method and strength (bars with 95%
 * intervals over the bases, the bases' and the naive fine-tune's score as lines), every method@proxy curve on
 * the task × alignment plane, their leaderboard, and for sycophancy each point's sycophancy per domain. Pure
 * builders.
 *
 * @module
 */
import { type ProxyComparison, rowName } from "../eval/proxy_quality.ts";
import type { StrategyPoint } from "../eval/points.ts";
import type { EmProxiesSummary } from "../experiments/em/proxies.ts";
import type { SycophancyProxiesSummary } from "../experiments/sycophancy/proxies.ts";
import { halfInterval } from "./axes.ts";
import { display, type Figure, textTable } from "./figure.ts";
import { leaderboardFigure } from "./leaderboard.ts";
import { type Table, table } from "./table.ts";
import { benchmarkParetoFigure } from "./strategies.ts";

const FONT = { family: "system-ui, sans-serif", size: 13 };
const COLOURS = ["#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#b07aa1", "#76b7b2"];

/**
 * The proxies compared, as a table: each method and strength's score per proxy (with the companion score
 * beside it, in brackets), the best proxy, and the claimed proxy's paired margin over the best other.
 */
export function proxyComparisonTable(compared: ProxyComparison): Table {
  const proxies = proxyNames(compared);
  const companion = compared.companion;
  return table(
    [
      "method",
      ...proxies.flatMap((p) => companion ? [p, `(${companion})`] : [p]),
      "best",
      `${compared.claimed} − best other [95%]`,
    ],
    compared.rows.map((r) => [
      rowName(r),
      ...proxies.flatMap((p) => {
        const c = r.cells[p];
        const score = c?.score.mean ?? NaN;
        return companion ? [score, c?.companion?.mean ?? NaN] : [score];
      }),
      r.best + (r.cells[r.best]?.honest === false ? " (dishonest)" : ""),
      `${r.claimedMargin.mean.toFixed(3)} [${r.claimedMargin.low.toFixed(3)}, ${
        r.claimedMargin.high.toFixed(3)
      }]`,
    ]),
    { digits: 3, caption: `${compared.score}, mean over ${compared.base.n} bases` },
  );
}

/** Every proxy some row compares, in the rows' order. */
function proxyNames(compared: ProxyComparison): string[] {
  return [...new Set(compared.rows.flatMap((r) => Object.keys(r.cells)))];
}

/** The proxies compared at each method and strength: a bar per proxy, hollow where the point is dishonest. */
export function proxyComparisonFigure(name: string, title: string, compared: ProxyComparison): Figure {
  const proxies = proxyNames(compared);
  const x = compared.rows.map(rowName);
  const line = (y: number, label: string, dash: string) => ({
    type: "scatter",
    mode: "lines",
    name: `${label} (${y.toFixed(2)})`,
    x: [x[0], x.at(-1)],
    y: [y, y],
    line: { color: "#555", dash },
  });
  const data = [
    ...proxies.map((proxy, i) => {
      const cells = compared.rows.map((r) => r.cells[proxy]);
      const colour = COLOURS[i % COLOURS.length]!;
      return {
        type: "bar",
        name: proxy + (proxy === compared.claimed ? " (claimed best)" : ""),
        x,
        y: cells.map((c) => c?.score.mean ?? null),
        error_y: { type: "data", array: cells.map((c) => c ? halfInterval(c.score) : 0), visible: true },
        customdata: cells.map((c) => c?.companion?.mean ?? null),
        hovertemplate: `${proxy}: %{y:.3f}` +
          (compared.companion ? `, ${compared.companion} %{customdata:.3f}` : "") + "<extra></extra>",
        marker: {
          color: cells.map((c) => c?.honest === false ? "rgba(0,0,0,0)" : colour),
          line: { color: colour, width: 2 },
        },
      };
    }),
    line(compared.base.mean, "bases", "dot"),
    line(compared.naive.mean, "naive fine-tune", "dash"),
  ];
  const better = compared.better === "lower" ? "lower is better" : "higher is better";
  const numbers = proxyComparisonTable(compared);
  return display({
    name,
    title,
    caption: `${compared.score} (${better}) with each proxy, at each method and strength: mean over ` +
      `${compared.base.n} bases with 95% intervals; hollow bars are points that gave up the task or are ` +
      `degenerate` +
      (compared.companion ? ` (its table gives each point's ${compared.companion} beside it)` : "") +
      `. The post's claim: the ${compared.claimed} proxy does best. ` + claimedWords(compared),
    data,
    layout: {
      title: { text: title },
      barmode: "group",
      yaxis: { title: { text: `${compared.score} (${better})` }, rangemode: "tozero" },
      width: 1000,
      height: 460,
      font: FONT,
    },
    text: textTable(numbers.header, numbers.rows, numbers.digits),
  });
}

/** How many rows the claimed proxy wins, and by an interval that excludes 0. */
function claimedWords(compared: ProxyComparison): string {
  const honest = compared.rows.filter((r) => r.cells[compared.claimed]?.honest);
  const best = honest.filter((r) => r.best === compared.claimed).length;
  const separated = honest.filter((r) => r.claimedMargin.low > 0).length;
  return `It is best in ${best} of ${compared.rows.length} rows, ahead of every other by an interval that ` +
    `excludes 0 in ${separated}.`;
}

/**
 * Sycophancy per domain after each point (rows) and before fine-tuning: which domains a proxy protects.
 */
export function proxyDomainsFigure(summary: SycophancyProxiesSummary): Figure {
  const domains = Object.keys(summary.baseDomains);
  const points = [...summary.points].sort((a, b) => a.label.localeCompare(b.label));
  const rows: { name: string; values: (number | null)[] }[] = [
    { name: "bases", values: domains.map((d) => summary.baseDomains[d]!.sycophancy.mean) },
    ...points.map((p: StrategyPoint) => ({
      name: p.id,
      values: domains.map((d) => p.breakdown[`${d}/sycophancy`] ?? null),
    })),
  ];
  const flagged = new Set([...summary.degenerate.map((d) => d.point), ...summary.incoherent]);
  return display({
    name: "sycophancy-proxies-domains",
    title: "Which domains does each proxy protect?",
    caption:
      "Sycophancy per domain (P(confirms a wrong claim | answers correctly), on facts no proxy trains " +
      `on), mean over ${summary.base.task.n} bases, for the bases and every point (method-strength@proxy). ` +
      "Points marked * are degenerate or incoherent: they say no to right claims too, so their low sycophancy " +
      "protects nothing.",
    data: [{
      type: "heatmap",
      x: domains,
      y: rows.map((r) => flagged.has(r.name) ? `${r.name} *` : r.name),
      z: rows.map((r) => r.values),
      zmin: 0,
      zmax: 1,
      colorscale: "Reds",
      text: rows.map((r) => r.values.map((v) => v === null ? "" : v.toFixed(2))),
      texttemplate: "%{text}",
      hovertemplate: "%{y} · %{x}: %{z:.3f}<extra></extra>",
    }],
    layout: {
      title: { text: "Which domains does each proxy protect?" },
      yaxis: { autorange: "reversed", automargin: true },
      width: 800,
      height: 160 + 24 * rows.length,
      font: FONT,
    },
    text: textTable(["point", ...domains], rows.map((r) => [r.name, ...r.values.map((v) => v ?? NaN)]), 2),
  });
}

/** Every EM proxy-quality figure. */
export function emProxiesFigures(summary: EmProxiesSummary): Figure[] {
  return [
    proxyComparisonFigure(
      "em-proxies-compared",
      "EM: a narrow proxy against a diverse one of the same size",
      summary.compared,
    ),
    benchmarkParetoFigure(summary, {
      name: "em-proxies-pareto",
      title: "EM: each method's curve with each proxy",
      xLabel: `alignment (good answers on ${summary.scoredDomains.join(", ")}, outside every proxy)`,
      yLabel: "task (bad answers on held-out medical questions)",
    }),
    leaderboardFigure(
      "em-proxies-leaderboard",
      "EM: method@proxy curves ranked by hypervolume",
      summary.leaderboard,
    ),
  ];
}

/** Every sycophancy proxy-quality figure. */
export function sycophancyProxiesFigures(summary: SycophancyProxiesSummary): Figure[] {
  return [
    proxyComparisonFigure(
      "sycophancy-proxies-compared",
      "Sycophancy: which proxy protects GCD?",
      summary.compared,
    ),
    proxyDomainsFigure(summary),
    leaderboardFigure(
      "sycophancy-proxies-leaderboard",
      "Sycophancy: method@proxy curves ranked by hypervolume",
      summary.leaderboard,
    ),
  ];
}
