/**
 * Copies of a model being fine-tuned, for strategies that train on the side (SafeLoRA's aligned adapter, CAFT's
 * naive run, precomputed proxy gradients): the same frozen base with adapters holding the model's current
 * values. Every copy not released by its user is released with the rest of the run.
 *
 * @module
 */
import type { AdaptedLayer } from "./strategy.ts";
import type { ModelCopy, StrategyModel } from "./strategy.ts";

/** How to make, view and release copies of one kind of model. */
export interface CopyKind<M, B> {
  /** A fresh model on the same base with new adapters (their values are then overwritten). */
  create(label: string): M;
  /** Its adapted layers, in a fixed order. */
  layers(model: M): AdaptedLayer[];
  view(model: M): StrategyModel<B>;
  dispose(model: M): void;
}

/** A `spawn` for a strategy context, and the release of every copy still alive. */
export function adapterCopies<M, B>(
  source: M,
  kind: CopyKind<M, B>,
): { spawn(label: string): ModelCopy<B>; disposeAll(): void } {
  const alive = new Set<M>();
  return {
    spawn(label) {
      const copy = kind.create(label);
      const from = kind.layers(source);
      kind.layers(copy).forEach((layer, i) => {
        layer.lora!.a.assign(from[i]!.lora!.a);
        layer.lora!.b.assign(from[i]!.lora!.b);
      });
      alive.add(copy);
      return {
        model: kind.view(copy),
        dispose: () => {
          if (alive.delete(copy)) kind.dispose(copy);
        },
      };
    },
    disposeAll() {
      for (const copy of alive) kind.dispose(copy);
      alive.clear();
    },
  };
}
