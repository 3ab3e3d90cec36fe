// Transformer ensembles: seeds fine-tuned as members of one program get the numbers they get alone.
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { initBackend } from "../lib/backend.ts";
import { relativeGap } from "./_compare.ts";
import { tinyEmConfig } from "./_tiny.ts";
import { emOrganism } from "../lib/experiments/em/organism.ts";
import { loadOrTrainBase } from "../lib/strategies/organism_model.ts";
import { sequenceBatch } from "../lib/models/sequence_batch.ts";
import { disposeTransformer } from "../lib/models/transformer.ts";
import {
  disposeMemberSequenceBatch,
  memberSequenceBatch,
  memberTransformer,
  transformerMembersView,
} from "../lib/models/transformer_members.ts";
import {
  attachTransformerLora,
  disposeTransformerAdapters,
  transformerView,
} from "../lib/models/transformer_view.ts";
import { disposeSequenceBatch } from "../lib/models/sequence_batch.ts";
import { fineTuneMembers, fineTuneWith } from "../lib/strategies/finetune.ts";
import { STRATEGIES } from "../lib/strategies/registry.ts";
import type { Strategy } from "../lib/strategies/strategy.ts";
import { type FineTuneExamples, loraMembersSetup, loraSetup } from "../lib/strategies/transformer_setup.ts";
import { Rng } from "../lib/data/rng.ts";
import type { SequenceExample } from "../lib/data/sequence.ts";

await initBackend("cpu");

const config = tinyEmConfig({ fineTune: { steps: 6, lora: { rank: 2, scale: 2 } } });
const base = await loadOrTrainBase(emOrganism, config, "persona", {
  cacheDir: await Deno.makeTempDir(),
  quiet: true,
});
const pad = base.world.vocabulary.id("<pad>");

/** The examples one token shorter (their last token dropped). */
function shortened(examples: readonly SequenceExample[]): SequenceExample[] {
  return examples.map((e) => ({ tokens: e.tokens.slice(0, -1), scored: e.scored.slice(0, -1) }));
}

/**
 * Seed `seed`'s fine-tune data with its task cut into two mini-batches, so the run cycles through batches; an
 * odd seed's first batch is a token shorter, so its rows are padded past its own longest sequence.
 */
function dataOf(seed: number): { rng: Rng; examples: FineTuneExamples } {
  const { rng, examples } = emOrganism.fineTuneData(base, seed);
  const task = examples.task.flat(), half = Math.floor(task.length / 2);
  const first = task.slice(0, half);
  const batches = [seed % 2 ? shortened(first) : first, task.slice(task.length - half)];
  return { rng, examples: { ...examples, task: batches } };
}

function checkAgainstAlone(strategy: Strategy, seeds: number[], params: Record<string, unknown> = {}): void {
  const datas = seeds.map(dataOf);
  const alone = datas.map(({ rng, examples }) => {
    using setup = loraSetup(base.model, config.fineTune, rng, examples, pad);
    const result = fineTuneWith(strategy, params, setup.context, { onStep: setup.onStep });
    const adapters = setup.context.model.adapted.map((l) => [l.lora!.a.dataSync(), l.lora!.b.dataSync()]);
    return { result, adapters };
  });
  const before = tf.memory().numTensors;
  {
    using setup = loraMembersSetup(
      base.model,
      config.fineTune,
      datas.map((d) => d.rng),
      datas.map((d) => d.examples),
      pad,
    );
    const results = fineTuneMembers(strategy, params, setup.context, { onStep: setup.onStep });
    alone.forEach((single, m) => {
      const member = results[m]!;
      assert.equal(member.steps, single.result.steps, `${strategy.name} member ${m} steps`);
      assert.ok(
        relativeGap(member.losses, single.result.losses) < 1e-4,
        `${strategy.name} member ${m} losses`,
      );
      const own = memberTransformer(setup.model, m);
      transformerView(own).adapted.forEach((layer, l) => {
        assert.ok(relativeGap(layer.lora!.a.dataSync(), single.adapters[l]![0]!) < 1e-3, `member ${m} A${l}`);
        assert.ok(relativeGap(layer.lora!.b.dataSync(), single.adapters[l]![1]!) < 1e-3, `member ${m} B${l}`);
      });
      disposeTransformerAdapters(own);
      assert.deepEqual(Object.keys(member.finishMetrics), Object.keys(single.result.finishMetrics));
      for (const [k, v] of Object.entries(single.result.finishMetrics)) {
        assert.ok(Math.abs(member.finishMetrics[k]! - v) < 1e-3, `${strategy.name} member ${m} ${k}`);
      }
    });
  }
  assert.equal(tf.memory().numTensors, before, `${strategy.name}: tensors leaked`);
}

for (const strategy of STRATEGIES) {
  Deno.test(`${strategy.name} on a 2-seed transformer ensemble gives each seed's losses, adapters and edits alone`, () => {
    checkAgainstAlone(strategy, [1, 2]);
  });
}

// The organisms' own settings of the strategies whose defaults suit the toy.
for (
  const [name, params] of [
    ["preventative-steering", { direction: "mean-difference", alpha: 2 }],
    ["null-space", { energy: 1 }],
  ] as const
) {
  Deno.test(`${name} (${JSON.stringify(params)}) on a 2-seed transformer ensemble gives each seed's numbers alone`, () => {
    checkAgainstAlone(STRATEGIES.find((s) => s.name === name)!, [1, 2], params);
  });
}

Deno.test("every strategy runs on a 1-member transformer ensemble and gives the single model's numbers", () => {
  for (const strategy of STRATEGIES) checkAgainstAlone(strategy, [3]);
});

Deno.test("a member's outputs on a padded member batch are its outputs on its own batch", () => {
  const [short, long] = [dataOf(1).examples.task[0]!, dataOf(2).examples.task[1]!];
  const rngs = [new Rng(1), new Rng(2)];
  const stacked = attachTransformerLora(base.model, config.fineTune.lora, rngs);
  // Non-zero B factors, so that each member's adapters change its outputs.
  for (const layer of transformerMembersView(stacked).adapted) {
    layer.lora!.b.assign(tf.randomNormal(layer.lora!.b.shape, 0, 0.3, "float32", 7));
  }
  const members = memberSequenceBatch([short, long], pad);
  const view = transformerMembersView(stacked);
  [short, long].forEach((examples, m) => {
    const own = memberTransformer(stacked, m);
    const batch = sequenceBatch(examples, pad);
    const single = transformerView(own);
    // Member m's row of an [M, …] output, and the single model's output, read inside one tidy (nothing kept).
    const compare = (together: () => tf.Tensor, alone: () => tf.Tensor) =>
      tf.tidy(() =>
        relativeGap(tf.squeeze(tf.slice(together(), [m], [1]), [0]).dataSync(), alone().dataSync())
      );
    assert.ok(compare(() => view.loss(members), () => single.loss(batch)) < 1e-5, `member ${m} loss`);
    assert.ok(
      compare(() => view.responseLogProb(members), () => single.responseLogProb(batch)) < 1e-5,
      `member ${m} response log-probabilities`,
    );
    disposeSequenceBatch(batch);
    disposeTransformerAdapters(own);
  });
  assert.ok(members.tokens.shape[1] > sequenceLength(short), "the short member is padded further");
  disposeMemberSequenceBatch(members);
  // Members scoring different numbers of tokens: position-wise reads refuse rather than misalign.
  const rescored = long.map((e, i) => (i === 0 ? { ...e, scored: e.scored.map(() => true) } : e));
  const uneven = memberSequenceBatch([short, rescored], pad);
  assert.notEqual(uneven.positions[0], uneven.positions[1]);
  assert.throws(() => view.outputLogProbs(uneven), /same number of scored tokens/);
  assert.throws(() => view.hidden(uneven), /same number of scored tokens/);
  disposeMemberSequenceBatch(uneven);
  assert.throws(() => memberSequenceBatch([short, long.slice(1)], pad), /same number/);
  disposeTransformerAdapters(stacked);
});

function sequenceLength(examples: readonly { tokens: number[] }[]): number {
  return Math.max(...examples.map((e) => e.tokens.length));
}

addEventListener("unload", () => disposeTransformer(base.model));
