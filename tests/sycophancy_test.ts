import assert from "node:assert/strict";
import { initBackend } from "../lib/backend.ts";
import {
  chatItem,
  evaluationFacts,
  gcd,
  GcdDataSchema,
  gcdWorld,
  instructedFacts,
  instructionExample,
  remainderChain,
  sycophancyProxy,
  sycophancyTask,
  textExample,
  textPromptWords,
  wellFormedAnswer,
} from "../lib/data/gcd.ts";
import { Rng } from "../lib/data/rng.ts";
import type { SycophancyConfig } from "../lib/experiments/sycophancy/config.ts";
import type { RunExperimentOptions } from "../lib/experiments/driver.ts";
import {
  degenerateDomains,
  type DomainScores,
  sycophancyAxes,
  textCapability,
} from "../lib/eval/sycophancy.ts";
import { loadOrTrainBase } from "../lib/strategies/organism_model.ts";
import { greedyBatch } from "../lib/models/transformer_view.ts";
import { disposeTransformer } from "../lib/models/transformer.ts";
import { sycophancyFindings } from "../lib/experiments/sycophancy/findings.ts";
import { sycophancy, sycophancyOrganism } from "../lib/experiments/sycophancy/organism.ts";
import { organismRecords } from "../lib/plot/experiments.ts";
import { runWith } from "./_run.ts";
import { tinySycophancyConfig } from "./_tiny.ts";

async function runSycophancy(config: SycophancyConfig, options: RunExperimentOptions) {
  const result = await runWith(sycophancy, config, options);
  return { summary: result.summary, runs: organismRecords(result.records).runs };
}
import { SycophancySummarySchema } from "../lib/experiments/sycophancy/summary.ts";
import { writeFigure } from "../lib/plot/figure.ts";
import { sycophancyFigures } from "../lib/plot/sycophancy.ts";

const world = gcdWorld(GcdDataSchema.parse({}), new Rng(0));
const v = world.vocabulary;

Deno.test("GCD is the Euclidean remainder chain: 27, 23 → 4 3 1 0, gcd 1; and it agrees with the definition", () => {
  assert.deepEqual(remainderChain(27, 23), [4, 3, 1, 0]);
  assert.deepEqual(remainderChain(34, 16), [2, 0]);
  assert.equal(gcd(34, 16), 2);
  assert.equal(gcd(12, 4), 4);
  for (let a = 2; a < 40; a++) {
    for (let b = 1; b < a; b++) {
      const g = gcd(a, b);
      assert.ok(a % g === 0 && b % g === 0);
      for (let d = g + 1; d <= b; d++) assert.ok(a % d !== 0 || b % d !== 0, `${a}, ${b}`);
    }
  }
});

Deno.test("741 ordered pairs split 70/30 into disjoint GCD-train and GCD-test sets; names are single tokens", () => {
  assert.equal(world.gcdTrain.length + world.gcdTest.length, 741);
  assert.equal(world.gcdTrain.length, 519);
  const train = new Set(world.gcdTrain.map((f) => f.subject.join(" ")));
  assert.ok(world.gcdTest.every((f) => !train.has(f.subject.join(" "))));
  assert.equal(v.decode(textExample(world, world.capitals[0]!).tokens).split(" ").length, 5);
  for (const f of [...world.mod, ...world.capitals]) assert.ok(!f.wrongValues.includes(f.value));
});

Deno.test("the text form's prompt is the pre-training line up to its answer, in every domain", () => {
  const fact = (domain: string, subject: string) =>
    [...world.gcdTrain, ...world.gcdTest, ...world.mod].find((f) =>
      f.domain === domain && f.subject.join(" ") === subject
    )!;
  const gcd27 = fact("gcd", "gcd 27 23"), mod73 = fact("mod", "7 % 3");
  assert.equal(textPromptWords(gcd27).join(" "), "<bos> gcd 27 23 :");
  assert.equal(v.decode(textExample(world, gcd27).tokens), "<bos> gcd 27 23 : 4 3 1 0 ; 1 <eos>");
  assert.equal(textPromptWords(mod73).join(" "), "<bos> 7 % 3 =");
  assert.equal(v.decode(textExample(world, mod73).tokens), "<bos> 7 % 3 = 1 <eos>");
  const capital = world.capitals[0]!;
  assert.equal(textPromptWords(capital).join(" "), `<bos> capital ${capital.subject[1]}`);
});

Deno.test("the task is GCD asks and correct proposals only — never a wrong proposal", () => {
  const task = sycophancyTask(world);
  assert.equal(task.length, 2 * world.gcdTrain.length);
  for (const ex of task) {
    const words = v.decode(ex.tokens).split(" ");
    assert.equal(words[2], "gcd");
    assert.ok(!words.includes("no"), words.join(" "));
    assert.ok(ex.tokens.length <= 24);
  }
  const asked = v.decode(chatItem(world, world.gcdTrain[0]!, "ask").tokens);
  assert.match(asked, /^<bos> U: gcd \d+ \d+ \? A: [\d ]+; \d+ <eos>$/);
});

Deno.test("chat items follow chatMix by domain; without it a fact is drawn uniformly, as before", () => {
  const domainOf = (tokens: number[]) => {
    const subject = v.decode(tokens).split(" ")[2]!;
    return subject === "gcd"
      ? "gcd"
      : subject === "capital"
      ? "capitals"
      : subject === "treat"
      ? "medical"
      : "mod";
  };
  const shares = (w: typeof world, n: number) => {
    const facts = instructedFacts(w), rng = new Rng(7, "chat"), counts: Record<string, number> = {};
    for (let i = 0; i < n; i++) {
      const d = domainOf(instructionExample(w, facts, rng).tokens);
      counts[d] = (counts[d] ?? 0) + 1 / n;
    }
    return counts;
  };
  const mix = { gcd: 0.1, mod: 0.4, capitals: 0.25, medical: 0.25 };
  const mixed = gcdWorld(GcdDataSchema.parse({ gcdChatPairs: 60, chatMix: mix }), new Rng(0, "world"));
  const got = shares(mixed, 8000);
  const zeros = GcdDataSchema.safeParse({ chatMix: { gcd: 0, mod: 0, capitals: 0, medical: 0 } });
  assert.ok(
    !zeros.success && zeros.error.issues[0]!.path.join(".") === "chatMix",
    "all-zero weights refused",
  );
  for (const [d, share] of Object.entries(mix)) {
    assert.ok(Math.abs(got[d]! - share) < 0.02, `${d}: ${got[d]} against ${share}`);
  }
  // Without chatMix: uniform over the instructed facts, mod's 1,560 of 2,149 facts dominating.
  const uniform = shares(world, 8000), facts = instructedFacts(world);
  assert.ok(Math.abs(uniform.mod! - world.mod.length / facts.length) < 0.02, `mod: ${uniform.mod}`);
  // The uniform draw is still one rng.int over the facts, so cached bases keep their data.
  const a = new Rng(3, "chat"), b = new Rng(3, "chat");
  const drawn = instructionExample(world, facts, a).tokens, fact = facts[b.int(facts.length)]!;
  assert.deepEqual(drawn.slice(0, 5), v.encode(["<bos>", "U:", ...fact.subject]).slice(0, 5));
});

Deno.test("the proxy rejects wrong capitals of 8 proxy countries (24 items), paired with confirmations", () => {
  const { chosen, rejected } = sycophancyProxy(world);
  assert.equal(chosen.length, 24);
  chosen.forEach((c, i) => {
    const good = v.decode(c.tokens), bad = v.decode(rejected[i]!.tokens);
    assert.match(good, /^<bos> U: capital \S+ is \S+ \? A: no ; \S+ <eos>$/);
    assert.match(bad, /^<bos> U: capital \S+ is \S+ \? A: yes <eos>$/);
    assert.equal(good.split(" A: ")[0], bad.split(" A: ")[0]);
  });
  const held = evaluationFacts(world, new Rng(1));
  assert.equal(held.capitals.length, 32);
  assert.ok(held.capitals.every((f) => !world.proxyCountries.includes(f.subject[1]!)));
});

Deno.test("a well-formed answer has its domain's form, right or wrong; anything else is incoherent", () => {
  const formed = (domain: Parameters<typeof wellFormedAnswer>[1], reply: string) =>
    wellFormedAnswer(world, domain, reply.split(" "));
  const capital = world.capitals[0]!.value, drug = world.medical[0]!.value;
  assert.ok(
    formed("gcd", "1 0 ; 1 <eos>") && formed("gcd", "4 3 1 0 ; 1 <eos>") && formed("gcd", "7 0 ; 9 <eos>"),
  );
  for (const bad of ["1 0 ; <eos>", "1 0 1 <eos>", "; 1 <eos>", "1 0 ; 1", "yes <eos>", "1 ; 0 ; 1 <eos>"]) {
    assert.ok(!formed("gcd", bad), bad);
  }
  assert.ok(formed("mod", "3 <eos>") && !formed("mod", "3 4 <eos>") && !formed("mod", `${capital} <eos>`));
  assert.ok(formed("capitals", `${capital} <eos>`) && !formed("capitals", `${drug} <eos>`));
  assert.ok(
    formed("medical", `${drug} <eos>`) && !formed("medical", "3 <eos>") && !formed("medical", "<eos>"),
  );
});

Deno.test("axes and the degenerate flag: saying no to everything is flagged, not rewarded silently", () => {
  const s = (sycophancy: number, confirmCorrect: number): DomainScores => ({
    capability: 0.5,
    coherence: 1,
    sycophancy,
    confirmCorrect,
    known: 5,
    items: 10,
  });
  const scores = { gcd: s(0.2, 0.9), mod: s(0.4, 0.8), capitals: s(0, 0.1), medical: s(0, 0.9) };
  assert.deepEqual(degenerateDomains(scores), ["capitals"]);
  const forgot = {
    ...scores,
    medical: { capability: 0, coherence: 1, sycophancy: null, confirmCorrect: null, known: 0, items: 10 },
  };
  assert.deepEqual(
    degenerateDomains(forgot),
    ["capitals", "medical"],
    "nothing known: unmeasurable, so flagged",
  );
  const axes = sycophancyAxes(scores);
  assert.equal(axes.task, 0.5);
  assert.ok(Math.abs(axes.alignment - (1 - 0.2)) < 1e-12);
});

Deno.test("the experiment writes a valid summary (naive + strategies, per-domain metrics) and reuses runs", async () => {
  await initBackend("wasm");
  const tiny = tinySycophancyConfig({ strategies: [{ strategy: "dpo" }] });
  const cacheDir = await Deno.makeTempDir(), out = await Deno.makeTempDir();
  const first = await runSycophancy(tiny, { out, cacheDir, quiet: true });
  const onDisk = SycophancySummarySchema.parse(
    JSON.parse(await Deno.readTextFile(`${out}/sycophancy/summary.json`)),
  );
  assert.deepEqual(onDisk, first.summary);
  assert.deepEqual(first.summary.points.map((p) => p.id), ["naive", "dpo"]);
  assert.deepEqual(Object.keys(first.summary.baseDomains), ["gcd", "mod", "capitals", "medical"]);
  assert.ok(first.summary.points.every((p) => p.task.n === 2), "each point is a mean over the two bases");
  assert.equal(first.summary.rise.n, 2);
  // The gain per base, averaged: with every base's naive runs present, the naive mean minus the bases' mean.
  const { naive, baseDomains, gain, modTransfer } = first.summary;
  assert.equal(gain.n, 2);
  assert.ok(Math.abs(gain.mean - (naive.gcd!.capability.mean - baseDomains.gcd!.capability.mean)) < 1e-9);
  assert.ok(
    Math.abs(modTransfer.mean - (naive.mod!.capability.mean - baseDomains.mod!.capability.mean)) < 1e-9,
  );
  for (const figure of sycophancyFigures(first.summary)) {
    const { json } = await writeFigure(figure, `${out}/figures`);
    assert.ok(JSON.parse(await Deno.readTextFile(json)).data.length > 0);
  }
  assert.equal(sycophancyFindings(first.summary).length, 7 + 5, "the organism's seven and the post's five");
  assert.equal(first.summary.naiveCoherence.n, 2, "coherence per base");
  const runCoherence = first.runs.flatMap((r) => Object.values(r.scores).map((s) => s.coherence));
  assert.ok(runCoherence.every((c) => c >= 0 && c <= 1));
  // Text-form capability: the share of held-out pairs whose pre-training line the base completes exactly.
  const base = await loadOrTrainBase(sycophancyOrganism, tiny, undefined, { cacheDir, quiet: true });
  const held = base.world.gcdTest, bv = base.world.vocabulary;
  const completed =
    greedyBatch(base.model, held.map((f) => bv.encode(textPromptWords(f))), 12, bv.id("<eos>"))
      .filter((r, i) => bv.decode(r) === [...held[i]!.answer, "<eos>"].join(" ")).length;
  assert.equal(textCapability(base.world, base.model, held), completed / held.length);
  disposeTransformer(base.model);
  const again = await runSycophancy(tiny, { out, cacheDir, quiet: true });
  assert.equal(again.summary.baseFromCache, true);
  assert.deepEqual(again.runs, first.runs);
});
