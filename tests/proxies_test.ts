import assert from "node:assert/strict";
import { initBackend } from "../lib/backend.ts";
import {
  defaultProxy,
  evaluationFacts,
  GcdDataSchema,
  gcdWorld,
  proxyFacts,
  proxyPool,
  proxySize,
  sycophancyProxy,
  SycophancyProxySchema,
} from "../lib/data/gcd.ts";
import { PersonaDataSchema, personaWorld, proxyExamples, proxyQuestions } from "../lib/data/personas.ts";
import { Rng } from "../lib/data/rng.ts";
import { alignmentQuestions } from "../lib/eval/em.ts";
import { compareProxies } from "../lib/eval/proxy_quality.ts";
import type { Leaderboard } from "../lib/eval/leaderboard.ts";
import { EmConfigSchema } from "../lib/experiments/em/config.ts";
import { emProxies, EmProxiesSummarySchema } from "../lib/experiments/em/proxies.ts";
import { curveFindings, proxyFindings } from "../lib/eval/proxy_quality.ts";
import { StrategiesToyConfigSchema } from "../lib/experiments/strategies_toy/config.ts";
import { SycophancyConfigSchema } from "../lib/experiments/sycophancy/config.ts";
import { sycophancyProxies, SycophancyProxiesSummarySchema } from "../lib/experiments/sycophancy/proxies.ts";
import { emProxiesFigures, sycophancyProxiesFigures } from "../lib/plot/proxies.ts";
import { writeFigure } from "../lib/plot/figure.ts";
import { expandSweep } from "../lib/strategies/sweep.ts";
import { runWith } from "./_run.ts";
import { tinyEmConfig, tinySycophancyConfig } from "./_tiny.ts";

const world = gcdWorld(GcdDataSchema.parse({}), new Rng(0));

Deno.test("a sweep entry's proxy ends its points' ids in @name; unknown names are refused with the known ones", () => {
  const points = expandSweep([{ strategy: "kl", proxy: "gcd", params: {}, grid: { beta: [1, 10] } }]);
  assert.deepEqual(points.map((p) => [p.id, p.label, p.proxy]), [
    ["kl-beta=1@gcd", "kl", "gcd"],
    ["kl-beta=10@gcd", "kl", "gcd"],
  ]);
  const syc = SycophancyConfigSchema.safeParse({
    proxies: { gcd: { domain: "gcd" } },
    strategies: [{ strategy: "kl", proxy: "mod" }],
  });
  assert.ok(!syc.success);
  assert.deepEqual(syc.error.issues[0]!.path, ["strategies", 0, "proxy"]);
  assert.match(syc.error.issues[0]!.message, /unknown "mod": use one of gcd/);
  const toy = StrategiesToyConfigSchema.safeParse({ strategies: [{ strategy: "kl", proxy: "gcd" }] });
  assert.ok(!toy.success);
  assert.match(toy.error.issues[0]!.message, /names no proxies/);
});

Deno.test("named sycophancy proxies: one domain's distinct facts each, rejections and confirmations as asked", () => {
  assert.deepEqual(
    sycophancyProxy(world),
    sycophancyProxy(world, defaultProxy(world)),
    "the default is capitals",
  );
  const named = (domain: "capitals" | "gcd" | "mod" | "medical", extra = {}) =>
    SycophancyProxySchema.parse({ domain, ...extra });
  for (const domain of ["capitals", "gcd", "mod", "medical"] as const) {
    const facts = proxyFacts(world, named(domain));
    assert.equal(facts.length, 8);
    assert.ok(facts.every((f) => f.domain === domain));
    assert.equal(new Set(facts.map((f) => f.subject.join(" "))).size, 8, `${domain}: distinct facts`);
    assert.equal(sycophancyProxy(world, named(domain)).chosen.length, proxySize(named(domain)));
    assert.equal(proxySize(named(domain)), 24);
  }
  assert.ok(
    world.gcdTrain.slice(0, 8).every((f) => proxyFacts(world, named("gcd")).includes(f)),
    "train pairs",
  );
  for (const f of proxyFacts(world, named("mod"))) {
    const [a, , b] = f.subject.map(Number);
    assert.ok(a! > b! && b! >= 2, `${f.subject.join(" ")}: a real remainder`);
  }
  // The post's mix: 12 capitals, each with one wrong claim rejected and its correct claim confirmed.
  const mix = named("capitals", { facts: 12, rejections: 1, confirm: true });
  const { chosen, rejected } = sycophancyProxy(world, mix);
  const words = (items: typeof chosen) => items.map((c) => world.vocabulary.decode(c.tokens));
  assert.equal(chosen.length, 24);
  assert.equal(new Set(words(chosen)).size, 24, "every item distinct");
  assert.equal(words(chosen).filter((w) => w.endsWith("A: yes <eos>")).length, 12, "half confirm");
  words(rejected).forEach((bad, i) => {
    const good = words(chosen)[i]!;
    assert.equal(bad.split(" A: ")[0], good.split(" A: ")[0], "paired by prompt");
    assert.equal(bad.endsWith("A: yes <eos>"), !good.endsWith("A: yes <eos>"), "the other reply");
  });
  const tooMany = SycophancyConfigSchema.safeParse({ proxies: { big: { domain: "medical", facts: 31 } } });
  assert.ok(!tooMany.success);
  assert.match(tooMany.error.issues[0]!.message, /at most 30: the data has 30 medical facts/);
  assert.equal(proxyPool(GcdDataSchema.parse({}), "gcd"), world.gcdTrain.length);
  assert.equal(
    proxyPool(GcdDataSchema.parse({}), "mod"),
    world.mod.filter((f) => {
      const [a, , b] = f.subject.map(Number);
      return a! > b! && b! >= 2;
    }).length,
  );
});

Deno.test("evaluation leaves out what the named proxies train on, and is unchanged without them", () => {
  const plain = evaluationFacts(world, new Rng(1), 50);
  assert.deepEqual(evaluationFacts(world, new Rng(1), 50, []), plain);
  const medical = proxyFacts(world, SycophancyProxySchema.parse({ domain: "medical" }));
  const mod = proxyFacts(world, SycophancyProxySchema.parse({ domain: "mod" }));
  const held = evaluationFacts(world, new Rng(1), 2000, [...medical, ...mod]);
  assert.equal(held.medical.length, world.medical.length - 8);
  assert.ok(held.medical.every((f) => !medical.includes(f)) && held.mod.every((f) => !mod.includes(f)));
  assert.equal(held.mod.length, world.mod.length - 8);
});

Deno.test("EM's named proxies: their questions, alignment outside all of them, and checked domains", () => {
  const data = PersonaDataSchema.parse({});
  const em = personaWorld(data, new Rng(0, "em-world"));
  const diverse = { domains: ["gen", "fin"], questions: 5 };
  assert.deepEqual(proxyQuestions(em, diverse).map((q) => q.domain), [
    ...Array(5).fill("gen"),
    ...Array(5).fill("fin"),
  ]);
  assert.equal(proxyExamples(em, diverse).chosen.length, 10);
  const scored = alignmentQuestions(em, [data.proxy, diverse]);
  assert.equal(scored["fin"]!.length, 40 - 5, "every proxy's questions are left out");
  assert.equal(scored["gen"]!.length, 40 - 10);
  const all = EmConfigSchema.safeParse({
    proxies: { fin: { domains: ["fin"] }, saf: { domains: ["saf"] } },
  });
  assert.ok(!all.success, "proxies that cover every non-task domain leave nothing to score alignment on");
  assert.match(all.error.issues[0]!.message, /leave at least one non-task domain out of every proxy/);
  const task = EmConfigSchema.safeParse({ proxies: { med: { domains: ["med"] } } });
  assert.ok(!task.success);
  assert.deepEqual(task.error.issues[0]!.path, ["proxies", "med", "domains", 0]);
});

Deno.test("compareProxies pairs by base, signs the claimed margin so positive is better, and marks dishonest cells", () => {
  const point = (proxy: string) => ({
    id: `kl@${proxy}`,
    strategy: "kl",
    label: "kl",
    params: {},
    swept: {},
    proxy,
  });
  const naive = { id: "naive", strategy: "task-only", label: "naive", params: {}, swept: {} };
  // Bases differ a lot (0.1 per base), the proxies by a constant: pairing sees the constant exactly.
  const runs = [0, 1, 2].flatMap((base) => [
    { point: "naive", base, diverged: false, s: 0.6 + 0.1 * base },
    { point: "kl@gcd", base, diverged: false, s: 0.2 + 0.1 * base },
    { point: "kl@mod", base, diverged: false, s: 0.3 + 0.1 * base },
    { point: "kl@capitals", base, diverged: false, s: 0.1 + 0.1 * base },
  ]);
  const options = {
    score: "s",
    ofRun: (r: { s: number }) => r.s,
    ofBase: () => 0,
    naive: "naive",
    claimed: "gcd",
  };
  const points = [naive, point("gcd"), point("mod"), point("capitals")];
  const lower = compareProxies(points, runs, [{}, {}], { ...options, better: "lower" as const });
  const [row] = lower.rows;
  assert.equal(row!.best, "capitals");
  assert.equal(row!.bestOther, "capitals");
  assert.ok(Math.abs(row!.claimedMargin.mean + 0.1) < 1e-12 && row!.claimedMargin.sem < 1e-12);
  assert.ok(Math.abs(lower.naive.mean - 0.7) < 1e-12);
  const higher = compareProxies(points, runs, [], { ...options, better: "higher", dishonest: ["kl@gcd"] });
  assert.equal(higher.rows[0]!.bestOther, "mod");
  assert.ok(Math.abs(higher.rows[0]!.claimedMargin.mean + 0.1) < 1e-12);
  assert.equal(higher.rows[0]!.cells["gcd"]!.honest, false);
  const [finding] = proxyFindings({ ...higher, rows: [{ ...higher.rows[0]!, claimedMargin: at(0.2) }] });
  assert.equal(finding!.holds, false, "a dishonest claimed point never holds, whatever its margin");
});

const at = (mean: number) => ({ n: 5, mean, sem: 0.01, low: mean - 0.02, high: mean + 0.02 });

Deno.test("curve findings compare the claimed proxy's hypervolume with the best other's, by the paired difference", () => {
  const row = (method: string, estimate: number) => ({
    method,
    estimate,
    low: estimate - 0.1,
    high: estimate + 0.1,
    points: 3,
    rank: 1,
    tiesWith: [],
  });
  const board: Leaderboard = {
    reference: { method: "naive", task: 0.9, alignment: 0.4 },
    bases: 5,
    resamples: 100,
    rows: [row("kl@diverse", 0.3), row("kl@gen", 0.25), row("kl@fin", 0.2)],
    differences: [
      { a: "kl@gen", b: "kl@diverse", estimate: -0.05, low: -0.08, high: -0.02 },
      { a: "kl@fin", b: "kl@diverse", estimate: -0.1, low: -0.2, high: 0.01 },
    ],
  };
  const [finding] = curveFindings(board, "diverse");
  assert.match(finding!.claim, /kl@gen/, "against the best other curve");
  assert.deepEqual([finding!.value, finding!.interval], [0.05, { low: 0.02, high: 0.08 }]);
  assert.equal(finding!.holds, true);
});

Deno.test("em-proxies runs each method with each proxy on the persona bases, scored outside every proxy", async () => {
  await initBackend("wasm");
  const proxies = {
    gen: { domains: ["gen"], questions: 2 },
    fin: { domains: ["fin"], questions: 2 },
    diverse: { domains: ["gen", "fin"], questions: 1 },
  };
  const base = tinyEmConfig();
  const config = tinyEmConfig({
    data: { ...base.data, domains: ["med", "fin", "saf", "gen"] },
    proxies,
    strategies: Object.keys(proxies).map((proxy) => ({ strategy: "kl", proxy, grid: { beta: [1] } })),
  });
  const cacheDir = await Deno.makeTempDir(), out = await Deno.makeTempDir();
  const { summary, records } = await runWith(emProxies, config, { out, cacheDir, quiet: true });
  const onDisk = JSON.parse(await Deno.readTextFile(`${out}/em-proxies/summary.json`));
  assert.deepEqual(EmProxiesSummarySchema.parse(onDisk), summary);
  assert.deepEqual(summary.points.map((p) => p.id), [
    "naive",
    "kl-beta=1@gen",
    "kl-beta=1@fin",
    "kl-beta=1@diverse",
  ]);
  assert.deepEqual(summary.proxySizes, { gen: 2, fin: 2, diverse: 2 });
  assert.deepEqual(summary.scoredDomains, ["saf"]);
  assert.ok(records.every((r) => !("variant" in r) || r.variant === "persona"), "no control");
  assert.deepEqual(Object.keys(summary.compared.rows[0]!.cells), ["gen", "fin", "diverse"]);
  assert.deepEqual(summary.leaderboard.rows.map((r) => r.method).sort(), ["kl@diverse", "kl@fin", "kl@gen"]);
  assert.equal(emProxies.findings(summary).length, 1, "one curve finding per method");
  for (const figure of emProxiesFigures(summary)) {
    const { json } = await writeFigure(figure, `${out}/figures`);
    assert.ok(JSON.parse(await Deno.readTextFile(json)).data.length > 0);
  }
});

Deno.test("sycophancy-proxies compares the proxies on GCD sycophancy with one finding per method and strength", async () => {
  await initBackend("wasm");
  const config = tinySycophancyConfig({
    proxies: { gcd: { domain: "gcd", facts: 2 }, medical: { domain: "medical", facts: 2 } },
    strategies: [
      { strategy: "kl", proxy: "gcd", grid: { beta: [1] } },
      { strategy: "kl", proxy: "medical", grid: { beta: [1] } },
    ],
  });
  const cacheDir = await Deno.makeTempDir(), out = await Deno.makeTempDir();
  const { summary } = await runWith(sycophancyProxies, config, { out, cacheDir, quiet: true });
  const onDisk = JSON.parse(await Deno.readTextFile(`${out}/sycophancy-proxies/summary.json`));
  assert.deepEqual(SycophancyProxiesSummarySchema.parse(onDisk), summary);
  assert.equal(summary.compared.score, "gcd/sycophancy");
  assert.deepEqual(summary.proxySizes, { gcd: 6, medical: 6 }, "2 facts × 3 rejections");
  assert.equal(summary.compared.companion, "gcd/confirmCorrect");
  assert.ok(Object.values(summary.compared.rows[0]!.cells).every((c) => c.companion !== undefined));
  const naive = summary.points.find((p) => p.id === "naive")!;
  const expected = 1 - summary.compared.naive.mean; // NaN where the tiny model answered no GCD pair right
  const same = Object.is(naive.alignment.mean, expected) || Math.abs(naive.alignment.mean - expected) < 1e-12;
  assert.ok(same, `curves: 1 − GCD sycophancy (${naive.alignment.mean} against ${expected})`);
  assert.equal(sycophancyProxies.findings(summary).length, 1);
  const more = {
    ...config,
    proxies: { ...config.proxies, mod: SycophancyProxySchema.parse({ domain: "mod", facts: 2 }) },
  };
  const hash = (c: typeof config) => sycophancyProxies.hash(c, "wasm");
  assert.notEqual(
    await hash(config),
    await hash(more),
    "a proxy changes what is scored, so the records' hash",
  );
  for (const figure of sycophancyProxiesFigures(summary)) {
    const { json } = await writeFigure(figure, `${out}/figures`);
    assert.ok(JSON.parse(await Deno.readTextFile(json)).data.length > 0);
  }
});
