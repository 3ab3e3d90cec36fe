/**
 * Token sequences as a training batch: padded ids [B, T] plus which outputs are scored. A sequence's `scored`
 * flags mark which of its tokens are targets (answers only, or every token in pre-training); token i is
 * predicted by the output at position i − 1. Everything is built once on the host as masks and matrices, so
 * masked means need no gather at run time (tf.gather's gradient is missing on the WASM backend).
 *
 * @module
 */
import * as tf from "@tensorflow/tfjs";
import type { SequenceExample } from "../data/sequence.ts";

export type { SequenceExample } from "../data/sequence.ts";

/** A padded batch with its scored positions. */
export interface SequenceBatch {
  /** [B, T] int32, padded with `padId`. */
  tokens: tf.Tensor2D;
  /** [B·T] int32: the token each output should predict (the pad id where not scored). */
  targets: tf.Tensor1D;
  /** [B·T]: 1 where the output is scored, else 0. */
  mask: tf.Tensor1D;
  /** [P, B·T]: row p selects the p-th scored output (used to read per-position outputs). */
  selection: tf.Tensor2D;
  /** [B, B·T]: 1 / (scored outputs of example b) on example b's scored outputs, else 0. */
  exampleMeans: tf.Tensor2D;
  examples: number;
}

/** A batch's host arrays before upload: padded ids, targets, mask, and where the scored outputs are. */
export interface HostSequenceBatch {
  tokens: Int32Array;
  targets: Int32Array;
  mask: Float32Array;
  /** Flat output index (b·T + i) of each scored output, in order. */
  scoredAt: number[];
  /** The example each scored output belongs to. */
  owner: number[];
  examples: number;
  /** T, the padded length. */
  length: number;
}

/** The host arrays of a batch padded to `length` (default: the longest sequence). */
export function hostSequenceBatch(
  examples: readonly SequenceExample[],
  padId: number,
  length?: number,
): HostSequenceBatch {
  const t = length ?? Math.max(...examples.map((e) => e.tokens.length));
  const n = examples.length * t;
  const tokens = new Int32Array(n).fill(padId);
  const targets = new Int32Array(n).fill(padId);
  const mask = new Float32Array(n);
  const scoredAt: number[] = [];
  const owner: number[] = [];
  examples.forEach((e, b) => {
    if (e.tokens.length > t) {
      throw new Error(`Cannot batch a sequence of ${e.tokens.length} tokens into ${t} positions`);
    }
    tokens.set(e.tokens, b * t);
    for (let i = 1; i < e.tokens.length; i++) {
      if (!e.scored[i]) continue;
      const flat = b * t + i - 1;
      targets[flat] = e.tokens[i]!;
      mask[flat] = 1;
      scoredAt.push(flat);
      owner.push(b);
    }
  });
  return { tokens, targets, mask, scoredAt, owner, examples: examples.length, length: t };
}

/** [P, B·T]: row p is one-hot at the p-th scored output. */
export function selectionValues(host: HostSequenceBatch): Float32Array {
  const n = host.tokens.length;
  const selection = new Float32Array(host.scoredAt.length * n);
  host.scoredAt.forEach((flat, p) => (selection[p * n + flat] = 1));
  return selection;
}

/** [B, B·T]: row b is 1 / (scored outputs of example b) on example b's scored outputs. */
export function exampleMeanValues(host: HostSequenceBatch): Float32Array {
  const n = host.tokens.length;
  const counts = new Array(host.examples).fill(0);
  for (const b of host.owner) counts[b]++;
  const means = new Float32Array(host.examples * n);
  host.scoredAt.forEach((flat, p) => (means[host.owner[p]! * n + flat] = 1 / counts[host.owner[p]!]));
  return means;
}

/** Builds a batch, padding every sequence to `length` (default: the longest). */
export function sequenceBatch(
  examples: readonly SequenceExample[],
  padId: number,
  length?: number,
): SequenceBatch {
  const host = hostSequenceBatch(examples, padId, length);
  const n = host.tokens.length;
  return {
    tokens: tf.tensor2d(host.tokens, [host.examples, host.length], "int32"),
    targets: tf.tensor1d(host.targets, "int32"),
    mask: tf.tensor1d(host.mask),
    selection: tf.tensor2d(selectionValues(host), [host.scoredAt.length, n]),
    exampleMeans: tf.tensor2d(exampleMeanValues(host), [host.examples, n]),
    examples: host.examples,
  };
}

/** Releases a batch's tensors. */
export function disposeSequenceBatch(batch: SequenceBatch): void {
  tf.dispose([batch.tokens, batch.targets, batch.mask, batch.selection, batch.exampleMeans]);
}
