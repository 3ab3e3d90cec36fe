/**
 * Task-only (naive) fine-tuning: L = CE(B_t). The baseline every other strategy is measured against.
 *
 * @module
 */
import { z } from "zod";
import { defineStrategy } from "./strategy.ts";

/** Task-only fine-tuning: no use of the alignment proxy. */
export const taskOnly = defineStrategy({
  name: "task-only",
  description: "cross-entropy on the task data alone (the naive fine-tune)",
  params: z.strictObject({}),
  create: (_params, { model, data }) => ({
    loss: () => ({ loss: model.loss(data.task) }),
  }),
});
