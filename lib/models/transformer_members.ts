/**
 * Transformer fine-tunes as an ensemble: M members (the seeds of one sweep point, say) with stacked LoRA
 * adapters on one frozen base, trained as one program. A member batch lays member m's sequences in the m-th
 * block of rows of one [M·B, T] batch, padded to the longest sequence of any member; the causal mask keeps
 * trailing padding away from every scored output, so member m's outputs are those of its own batch alone. The
 * base's products are then one 2-D product over every member's rows with no weight gradient, and only the
 * thin adapter products run per member (`applyDense`); attention, LayerNorm and the losses are one kernel each
 * for all members.
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { SequenceExample } from "../data/sequence.ts";
import { adapterVariables, type DenseLayer, uniqueName } from "./lora.ts";
import { type ConstantInput, constantInput } from "./member_matmul.ts";
import { exampleMeanValues, hostSequenceBatch, selectionValues } from "./sequence_batch.ts";
import { type Transformer, transformerDenseLayers } from "./transformer.ts";
import { adaptedLayerInputs, atPredictedTokens, run, targetLogProbs } from "./transformer_view.ts";
import type { StrategyModel } from "./view.ts";

/** M members' batches as one: member m's B sequences are rows m·B … (m + 1)·B − 1. */
export interface MemberSequenceBatch {
  members: number;
  /** [M·B, T] int32. */
  tokens: tf.Tensor2D;
  /** [M·B·T] int32: the token each output should predict (the pad id where not scored). */
  targets: tf.Tensor1D;
  /** [M·B·T]: 1 where the output is scored. */
  mask: tf.Tensor1D;
  /** [M]: scored outputs per member. */
  counts: tf.Tensor1D;
  /** Per member [P, B·T], picking its scored outputs; null when members score different numbers of outputs. */
  selection: ConstantInput | null;
  /** Scored outputs per member. */
  positions: number[];
  /** Per member [B, B·T]: the mean over each example's scored outputs. */
  exampleMeans: ConstantInput;
  /** B, examples per member. */
  examples: number;
}

/** One batch from each member's examples (the same number per member), padded to the longest of all. */
export function memberSequenceBatch(
  members: readonly (readonly SequenceExample[])[],
  padId: number,
): MemberSequenceBatch {
  const examples = members[0]?.length ?? 0;
  if (members.some((e) => e.length !== examples)) {
    throw new Error(
      `Cannot batch members with ${
        members.map((e) => e.length).join(", ")
      } examples: give each the same number`,
    );
  }
  const length = Math.max(...members.flat().map((e) => e.tokens.length));
  const hosts = members.map((e) => hostSequenceBatch(e, padId, length));
  const positions = hosts.map((h) => h.scoredAt.length);
  const m = members.length, n = examples * length;
  const int32 = (k: number) => new Int32Array(k), float32 = (k: number) => new Float32Array(k);
  const uniform = positions.every((p) => p === positions[0]);
  return {
    members: m,
    tokens: tf.tensor2d(concatenated(hosts.map((h) => h.tokens), int32), [m * examples, length], "int32"),
    targets: tf.tensor1d(concatenated(hosts.map((h) => h.targets), int32), "int32"),
    mask: tf.tensor1d(concatenated(hosts.map((h) => h.mask), float32)),
    counts: tf.tensor1d(positions),
    selection: uniform ? constantOf(hosts.map(selectionValues), [m, positions[0]!, n]) : null,
    positions,
    exampleMeans: constantOf(hosts.map(exampleMeanValues), [m, examples, n]),
    examples,
  };
}

/** The parts one after another. */
function concatenated<A extends Int32Array | Float32Array>(
  parts: readonly A[],
  make: (size: number) => A,
): A {
  const out = make(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** Per-member constant matrices stacked as [M, rows, cols], ready to multiply per-member activations. */
function constantOf(parts: Float32Array[], shape: [number, number, number]): ConstantInput {
  const tensor = tf.tensor3d(concatenated(parts, (k) => new Float32Array(k)), shape);
  const constant = constantInput(tensor); // a copy: the constant keeps its own
  tensor.dispose();
  return constant;
}

/** Releases a member batch's tensors. */
export function disposeMemberSequenceBatch(batch: MemberSequenceBatch): void {
  tf.dispose([batch.tokens, batch.targets, batch.mask, batch.counts]);
  batch.selection?.dispose();
  batch.exampleMeans.dispose();
}

/** [M, B·T, width] from every member's rows [M·B·T, width]. */
function perMember(x: tf.Tensor2D, members: number): tf.Tensor3D {
  return tf.reshape(x, [members, -1, x.shape[1]]);
}

function selectionOf(batch: MemberSequenceBatch): ConstantInput {
  if (!batch.selection) {
    throw new Error(
      `Cannot read positions of members scoring ${batch.positions.join(", ")} outputs: ` +
        "give every member batches with the same number of scored tokens",
    );
  }
  return batch.selection;
}

/**
 * The strategy view of a transformer with stacked adapters (`attachTransformerLora` with one random stream
 * per member): member m's outputs are what `transformerView` gives for member m alone.
 */
export function transformerMembersView(model: Transformer): StrategyModel<MemberSequenceBatch> {
  const adapted = transformerDenseLayers(model).filter((l) => l.lora);
  const first = adapted[0]?.lora?.a;
  const members = first?.shape[0];
  if (!members || first.rank !== 3) {
    throw new Error("Cannot view a transformer as members without stacked adapters");
  }
  return {
    members,
    trainable: adapterVariables(adapted),
    adapted,
    loss: (batch, options = {}) =>
      tf.tidy(() => {
        const scored = tf.mul(targetLogProbs(model, batch, options), batch.mask);
        return tf.div(tf.neg(tf.sum(tf.reshape(scored, [members, -1]), 1)), batch.counts) as tf.Tensor1D;
      }),
    outputLogProbs: (batch, options = {}) =>
      tf.tidy(() =>
        selectionOf(batch).apply(perMember(tf.logSoftmax(run(model, batch, options).logits), members))
      ),
    responseLogProb: (batch, options = {}) =>
      tf.tidy(() => {
        const logProbs = tf.reshape(targetLogProbs(model, batch, options), [members, -1, 1]) as tf.Tensor3D;
        return tf.reshape(batch.exampleMeans.apply(logProbs), [members, -1]) as tf.Tensor2D;
      }),
    hidden: (batch, options = {}) =>
      tf.tidy(() => {
        const selection = selectionOf(batch);
        return run(model, batch, options).hidden.map((h) => selection.apply(perMember(h, members)));
      }),
    responseHidden: (batch, options = {}) =>
      tf.tidy(() =>
        run(model, batch, options).hidden.map((h) =>
          batch.exampleMeans.apply(perMember(atPredictedTokens(h), members))
        )
      ),
    adaptedInputs: (batch, options = {}) =>
      tf.tidy(() => {
        const selection = selectionOf(batch);
        return adaptedLayerInputs(model, batch, options).map((x) => selection.apply(perMember(x, members)));
      }),
    size: (batch) => batch.examples,
  };
}

/** Member m of a transformer with stacked adapters, alone: the shared base with new variables for its adapters. */
export function memberTransformer(model: Transformer, m: number): Transformer {
  const slice = (t: tf.Variable) =>
    tf.tidy(() =>
      tf.variable(
        tf.squeeze(tf.slice(t, [m, 0, 0], [1, -1, -1]), [0]),
        true,
        uniqueName(`${t.name}/member${m}`),
      )
    );
  const member = (layer: DenseLayer): DenseLayer =>
    layer.lora
      ? { ...layer, lora: { a: slice(layer.lora.a), b: slice(layer.lora.b), scale: layer.lora.scale } }
      : layer;
  return {
    ...model,
    blocks: model.blocks.map((b) => ({
      ...b,
      qkv: member(b.qkv),
      projection: member(b.projection),
      up: member(b.up),
      down: member(b.down),
    })),
  };
}
