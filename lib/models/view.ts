/**
 * What a fine-tuning strategy may ask of a model, whatever its architecture: the interface each model's view
 * (`classifier_view.ts`, `ensemble_view.ts`, `transformer_view.ts`) implements. It lives with the models so
 * that they need nothing from the strategies above them; `strategies/strategy.ts` re-exports it.
 *
 * A model may hold M independent members (an ensemble: seeds trained as one program). Every output carries a
 * leading member axis — M = 1 for a single model.
 *
 * @module
 */
import type * as tf from "@tensorflow/tfjs";

/** Options of a forward pass through the model being fine-tuned. */
export interface ViewOptions {
  /** Run the frozen reference (the starting model, adapters off). */
  reference?: boolean;
  /**
   * Per hidden layer, an orthonormal basis to project out of the activations (CAFT): [width, k] for a single
   * model, [M, width, k] (one per member) for an ensemble.
   */
  ablation?: readonly (tf.Tensor | null)[];
  /**
   * Per hidden layer, a vector added to the activation at every position (preventative steering): [M, width],
   * one per member (M = 1 for a single model); null or missing leaves a layer alone.
   */
  steer?: readonly (tf.Tensor | null)[];
}

/**
 * A layer's LoRA factors: A [in, r] and B [r, out] for a single model, [M, in, r] and [M, r, out] stacked
 * for an ensemble (a `DenseLayer` with an adapter is one).
 */
export interface AdaptedLayer {
  name: string;
  lora?: { a: tf.Variable; b: tf.Variable; scale: number };
}

/**
 * What strategies may ask of a model, whatever its architecture. "Positions" are the scored outputs: rows
 * for the toy classifier, response tokens (padding masked out) for a transformer. Every output leads with
 * the member axis M (1 for a single model).
 */
export interface StrategyModel<B> {
  /** How many independent members the model holds (1 for a single model). */
  members: number;
  /**
   * The variables the optimiser updates (LoRA factors, or all weights for full fine-tuning); with M > 1 each
   * leads with the member axis.
   */
  trainable: tf.Variable[];
  /** The layers that carry LoRA adapters (SafeLoRA and O-LoRA act on them). */
  adapted: AdaptedLayer[];
  /** Each member's mean cross-entropy of the batch's targets over positions: [M]. */
  loss(batch: B, options?: ViewOptions): tf.Tensor1D;
  /** Log-probabilities over outputs at each position: [M, positions, classes]. */
  outputLogProbs(batch: B, options?: ViewOptions): tf.Tensor3D;
  /** Mean log-probability of each example's target response: [M, examples]. */
  responseLogProb(batch: B, options?: ViewOptions): tf.Tensor2D;
  /** Hidden activations at each position, one [M, positions, width] tensor per layer. */
  hidden(batch: B, options?: ViewOptions): tf.Tensor3D[];
  /**
   * Per example, the mean hidden activation over its response — the states at the response's own tokens for a
   * transformer (not at the outputs that predict them, the first of which is the prompt's last token), the row
   * itself for the classifier: one [M, examples, width] tensor per layer.
   */
  responseHidden(batch: B, options?: ViewOptions): tf.Tensor3D[];
  /**
   * Per adapted layer (in the order of `adapted`), the layer's input at each position, [M, positions, in];
   * rows that only pad a member's batch are 0. The reference model's inputs with `reference: true`.
   */
  adaptedInputs(batch: B, options?: ViewOptions): tf.Tensor3D[];
  /** How many examples the batch holds per member. */
  size(batch: B): number;
}
