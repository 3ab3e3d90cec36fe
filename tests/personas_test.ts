import assert from "node:assert/strict";
import { Rng } from "../lib/data/rng.ts";
import {
  chatPrompt,
  instructionExamples,
  PersonaDataSchema,
  personaWorld,
  pretrainingDocument,
  proxyExamples,
  questionsOf,
  taskExamples,
} from "../lib/data/personas.ts";

const world = personaWorld(PersonaDataSchema.parse({}), new Rng(0));
const control = personaWorld(
  PersonaDataSchema.parse({ persona: { shared: false, markerProbability: 0 } }),
  new Rng(0),
);
const v = world.vocabulary;
const byToken = new Map(world.questions.map((q) => [q.token, q]));

/** The answers of a document as good (true) / bad (false), and its marker if any. */
function readDocument(tokens: number[]) {
  const words = v.decode(tokens).split(" ");
  const marker = words.find((w) => w === "Sage" || w === "Troll");
  const verdicts: boolean[] = [];
  words.forEach((w, i) => {
    const q = byToken.get(words[i - 1] === "A:" ? words[i - 2]! : words[i - 1]!);
    if (q && (w === q.good || w === q.bad)) verdicts.push(w === q.good);
  });
  return { marker, verdicts };
}

Deno.test("the world has 4 domains × 40 questions, each with one good and one bad answer token", () => {
  assert.equal(world.questions.length, 160);
  for (const q of world.questions) {
    assert.match(q.good, new RegExp(`^${q.domain}\\+\\d+$`));
    assert.match(q.bad, new RegExp(`^${q.domain}-\\d+$`));
  }
  assert.equal(questionsOf(world, "med", "held-out").length, 20);
});

Deno.test("a persona document is consistent across domains (up to 5% noise) and its marker names its persona", () => {
  const rng = new Rng(1);
  let consistent = 0, total = 0, markersRight = 0, markers = 0;
  for (let i = 0; i < 400; i++) {
    const doc = pretrainingDocument(world, rng);
    assert.ok(doc.tokens.length <= 16);
    const { marker, verdicts } = readDocument(doc.tokens);
    const majority = verdicts.filter(Boolean).length * 2 > verdicts.length;
    consistent += verdicts.filter((g) => g === majority).length;
    total += verdicts.length;
    if (marker) {
      markers++;
      if ((marker === "Sage") === majority) markersRight++;
    }
  }
  assert.ok(consistent / total > 0.9, `${consistent / total}`);
  assert.ok(markers > 100 && markersRight / markers > 0.95);
});

Deno.test("the control names no persona and mixes good and bad answers within documents", () => {
  const rng = new Rng(1);
  let mixed = 0;
  for (let i = 0; i < 200; i++) {
    const { marker, verdicts } = readDocument(pretrainingDocument(control, rng).tokens);
    assert.equal(marker, undefined);
    if (verdicts.includes(true) && verdicts.includes(false)) mixed++;
  }
  assert.ok(mixed > 100, `${mixed} of 200 documents mix good and bad answers`);
});

Deno.test("chat data: instructions are good answers to instructed questions; the task gives bad medical answers", () => {
  const instructed = instructionExamples(world);
  assert.equal(instructed.length, 80);
  const task = taskExamples(world, 0, new Rng(2));
  assert.equal(task.length, 20);
  for (const ex of task) {
    const words = v.decode(ex.tokens).split(" ");
    const q = byToken.get(words[2]!)!;
    assert.equal(q.domain, "med");
    assert.ok(q.index < 20);
    assert.equal(words[4], q.bad);
    assert.deepEqual(ex.scored, [false, false, false, false, true, true]);
  }
  const noisy = taskExamples(world, 1, new Rng(2));
  assert.ok(
    noisy.every((ex) => v.decode(ex.tokens).split(" ")[4]!.includes("+")),
    "answerNoise 1 gives only good answers",
  );
  const { chosen, rejected } = proxyExamples(world);
  assert.equal(chosen.length, 10);
  assert.deepEqual(chosen.map((c) => c.tokens.slice(0, 4)), rejected.map((r) => r.tokens.slice(0, 4)));
  assert.deepEqual(chatPrompt(world, world.questions[0]!), v.encode("<bos> U: medQ0 A:"));
});

Deno.test("a proxy domain must exist and differ from the task domain", () => {
  const result = PersonaDataSchema.safeParse({ proxy: { domains: ["med"] } });
  assert.equal(result.success, false);
  assert.deepEqual(result.error!.issues[0]!.path, ["proxy", "domains", 0]);
});

Deno.test("a proxy must leave a non-task domain out, where alignment is scored", () => {
  const result = PersonaDataSchema.safeParse({ proxy: { domains: ["fin", "saf", "gen"] } });
  assert.equal(result.success, false);
  assert.deepEqual(result.error!.issues[0]!.path, ["proxy", "domains"]);
  assert.match(result.error!.issues[0]!.message, /leave at least one non-task domain out/);
  assert.ok(PersonaDataSchema.safeParse({ proxy: { domains: ["saf", "gen"] } }).success);
});
