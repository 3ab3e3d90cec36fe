/**
 * Figures of the sycophancy organism: capability, coherence, sycophancy and confirm-correct per domain (base vs
 * naive GCD fine-tune, mean ± SEM), and the strategies' Pareto (x = 1 − sycophancy outside the proxy domain,
 * y = GCD capability). Pure builders.
 *
 * @module
 */
import type { SycophancySummary } from "../experiments/sycophancy/summary.ts";
import { display, type Figure, textTable } from "./figure.ts";
import { benchmarkParetoFigure, type BenchmarkParetoSummary } from "./strategies.ts";
import { leaderboardFigure } from "./leaderboard.ts";
import { scorecardFigure } from "./scorecard.ts";

const FONT = { family: "system-ui, sans-serif", size: 13 };
const METRICS = [
  { key: "capability", label: "capability (asked straight)" },
  { key: "coherence", label: "coherence (answers in the answer form)" },
  { key: "sycophancy", label: "sycophancy (yes to a wrong claim it knows)" },
  { key: "confirmCorrect", label: "confirm-correct (yes to a right claim)" },
] as const;

/** Per-domain bars: one panel per metric, base vs naive fine-tune. */
export function sycophancyDomainsFigure(summary: SycophancySummary): Figure {
  const domains = Object.keys(summary.baseDomains);
  const data: Record<string, unknown>[] = [];
  const layout: Record<string, unknown> = {
    title: { text: "After fine-tuning on GCD, does the model agree more — everywhere?" },
    grid: { rows: 1, columns: METRICS.length, pattern: "independent" },
    barmode: "group",
    width: 1400,
    height: 440,
    font: FONT,
    annotations: [],
  };
  METRICS.forEach((m, i) => {
    const axis = i === 0 ? "" : String(i + 1);
    data.push(
      {
        type: "bar",
        name: "base",
        legendgroup: "base",
        showlegend: i === 0,
        x: domains,
        y: domains.map((d) => summary.baseDomains[d]![m.key].mean ?? null),
        error_y: {
          type: "data",
          array: domains.map((d) => summary.baseDomains[d]![m.key].sem ?? 0),
          visible: true,
        },
        marker: { color: "#4e79a7" },
        xaxis: `x${axis}`,
        yaxis: `y${axis}`,
      },
      {
        type: "bar",
        name: "after GCD fine-tune",
        legendgroup: "naive",
        showlegend: i === 0,
        x: domains,
        y: domains.map((d) => summary.naive[d]![m.key].mean ?? null),
        error_y: {
          type: "data",
          array: domains.map((d) => summary.naive[d]![m.key].sem ?? 0),
          visible: true,
        },
        marker: { color: "#e15759" },
        xaxis: `x${axis}`,
        yaxis: `y${axis}`,
      },
    );
    layout[`yaxis${axis}`] = { range: [0, 1.05] };
    (layout.annotations as unknown[]).push({
      text: m.label,
      xref: `x${axis} domain`,
      yref: `y${axis} domain`,
      x: 0.5,
      y: 1.1,
      showarrow: false,
      font: { size: 12 },
    });
  });
  return display({
    name: "sycophancy-domains",
    title: "Capability, coherence, sycophancy and confirm-correct per domain",
    caption:
      "Per domain: accuracy when asked straight; the share of those answers in the domain's answer form, right " +
      "or wrong; P(confirms a wrong claim | answers correctly); P(confirms a " +
      `correct claim | answers correctly). Bases vs task-only GCD fine-tune: mean ± SEM over ` +
      `${summary.base.task.n} bases, and over their ${summary.seeds.length} fine-tune seeds each.`,
    data,
    layout,
    text: textTable(
      ["domain", ...METRICS.flatMap((m) => [`base ${m.key}`, `naive ${m.key}`])],
      domains.map((
        d,
      ) => [
        d,
        ...METRICS.flatMap((m) => [
          summary.baseDomains[d]![m.key].mean ?? NaN,
          summary.naive[d]![m.key].mean ?? NaN,
        ]),
      ]),
    ),
  });
}

/**
 * The strategies' Pareto. Degenerate points ("always say no": confirm-correct below 0.5 in some domain, see
 * `DEGENERATE_BELOW` in `lib/eval/sycophancy.ts`) score high alignment by refusing everything, so they are drawn
 * hollow and crossed out under their own legend entry rather than passing for the best trade-offs; so are
 * incoherent points (straight answers mostly out of the answer form).
 */
export function sycophancyParetoFigure(
  summary: BenchmarkParetoSummary & Pick<SycophancySummary, "degenerate" | "incoherent">,
): Figure {
  return benchmarkParetoFigure(summary, {
    name: "sycophancy-pareto",
    title: "Strategies on the sycophancy organism",
    xLabel: "1 − sycophancy outside the proxy domain (GCD, mod, medicine)",
    yLabel: "capability (held-out GCD, asked straight)",
    flags: [{
      name: "degenerate: says no to right claims<br>(confirm-correct < 0.5 in a domain;<br>off the frontier)",
      short: "degenerate",
      notes: Object.fromEntries(summary.degenerate.map((d) => [d.point, d.domains.join("+")])),
    }, {
      name: "incoherent: answers are not answers<br>(coherence < 0.5; off the frontier)",
      short: "incoherent",
      notes: Object.fromEntries(summary.incoherent.map((point) => [point, ""])),
    }],
  });
}

/**
 * Every sycophancy figure.
 *
 * @example
 * ```ts
 * import { loadYamlConfig, runExperiment, sycophancy, sycophancyFigures, withImages } from "../../mod.ts";
 * const config = await loadYamlConfig(sycophancy.configSchema, sycophancy.defaultConfig);
 * const { summary } = await runExperiment(sycophancy, config, { out: "out" });
 * const [domains, pareto, leaderboard] = await withImages(sycophancyFigures(summary));
 * ```
 */
export function sycophancyFigures(summary: SycophancySummary): Figure[] {
  return [
    sycophancyDomainsFigure(summary),
    sycophancyParetoFigure(summary),
    leaderboardFigure(
      "sycophancy-leaderboard",
      "Methods on the sycophancy organism, ranked by hypervolume",
      summary.leaderboard,
    ),
    scorecardFigure(
      "sycophancy-scorecard",
      "Methods on the sycophancy organism at their operating points",
      summary.scorecard,
    ),
  ];
}
