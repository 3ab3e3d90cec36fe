/**
 * A token sequence as the data generators produce it: token ids and which of them are scored targets. The
 * models turn these into padded tensor batches (`lib/models/sequence_batch.ts`); this file holds only the
 * plain type, so that data needs nothing from the models above it.
 *
 * @module
 */

/** One example: token ids and which of them are scored targets. */
export interface SequenceExample {
  tokens: number[];
  /** scored[i] true: token i is a target (scored[0] is ignored: nothing predicts the first token). */
  scored: boolean[];
}
