/**
 * Proxy quality in the EM organism (the post's Appendix 2: a diverse safety proxy did better than a narrow
 * subset): the persona bases fine-tuned as `em` does, each method at each strength with a narrow proxy (ten
 * general questions, or ten finance ones) and a diverse one of the same size (five of each), alignment scored
 * on the domains outside every proxy (safety), on the same questions for every point.
 *
 * @module
 */
import { z } from "zod";
import type { EmScores } from "../../eval/em.ts";
import { incoherentPoints } from "../../eval/points.ts";
import { compareProxies, curveFindings } from "../../eval/proxy_quality.ts";
import { NAIVE_POINT } from "../../strategies/sweep.ts";
import type { BaseRecord, OrganismRunInfo } from "../organism.ts";
import { proxyBenchmark, proxyExperiment, ProxyQualityFields } from "../proxies.ts";
import type { EmConfig } from "./config.ts";
import { emOrganism } from "./organism.ts";
import type { EmRun } from "./summary.ts";

/** The proxy the post's claim favours: the one spanning several domains. */
const CLAIMED = "diverse";

/** Schema of `<out>/em-proxies/summary.json`. */
export const EmProxiesSummarySchema = z.strictObject({
  experiment: z.literal("em-proxies"),
  ...ProxyQualityFields,
  /** The domains alignment is scored on: outside the task's and every proxy's. */
  scoredDomains: z.array(z.string()),
  /** Points whose answers collapsed (mean coherence < 0.5), kept off the curves. */
  incoherent: z.array(z.string()),
});

/** The EM proxy-quality summary. */
export type EmProxiesSummary = z.output<typeof EmProxiesSummarySchema>;

/** The summary: every method@proxy curve over the persona bases, and the proxies compared on alignment. */
function summarize(
  runs: EmRun[],
  bases: BaseRecord<EmScores>[],
  info: OrganismRunInfo,
  config: EmConfig,
): EmProxiesSummary {
  const { points, experiment: _, ...meta } = info;
  const scores = bases.map((b) => ({ ...b, ...b.scores, base: b.base }));
  const incoherent = incoherentPoints(runs);
  const { fields, dishonest } = proxyBenchmark(points, runs, scores, incoherent);
  const proxied = new Set([config.data.proxy, ...Object.values(config.proxies)].flatMap((p) => p.domains));
  const { domains, taskDomain } = config.data;
  return {
    experiment: "em-proxies",
    ...meta,
    ...fields,
    proxySizes: Object.fromEntries(
      Object.entries(config.proxies).map(([name, p]) => [name, p.domains.length * p.questions]),
    ),
    compared: compareProxies(points, runs, scores, {
      score: "alignment",
      better: "higher",
      ofRun: (r) => r.alignment,
      ofBase: (b) => b.alignment,
      naive: NAIVE_POINT.id,
      claimed: CLAIMED,
      dishonest,
      companion: { name: "task", ofRun: (r) => r.task },
    }),
    scoredDomains: domains.filter((d) => d !== taskDomain && !proxied.has(d)),
    incoherent,
  };
}

/** The EM proxy-quality experiment: the EM organism with the proxy-quality summary, on its persona bases only. */
export const emProxies = proxyExperiment(emOrganism, {
  name: "em-proxies",
  title: "Proxy quality in EM: a narrow proxy against a diverse one of the same size",
  variants: ["persona"],
  summarize,
  summarySchema: EmProxiesSummarySchema,
  findings: (s) => curveFindings(s.leaderboard, CLAIMED),
  note: (s) => `; alignment scored on ${s.scoredDomains.join(", ")}`,
});
