/**
 * The WebGPU backend against the CPU backend: one forward and backward pass of the toy MLP and of the tiny
 * transformer (with LoRA adapters), built from the same seeds on each and read back asynchronously, must agree
 * to float32 rounding. They run on whatever adapter Deno finds here (a software one counts:
 * `initBackend("webgpu")` takes any), and are skipped, saying why, where there is none.
 */
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { backendName, initBackend, WEBGPU_SYNC_READS } from "../lib/backend.ts";
import { InputError } from "../lib/config/input_error.ts";
import { Rng } from "../lib/data/rng.ts";
import { prepareExperiment } from "../lib/experiments/driver.ts";
import { loadToyConfig, toy } from "../lib/experiments/toy/experiment.ts";
import {
  createClassifier,
  crossEntropy,
  disposeClassifier,
  forward,
  trainableVariables,
} from "../lib/models/mlp.ts";
import { disposeSequenceBatch, sequenceBatch } from "../lib/models/sequence_batch.ts";
import {
  createTransformer,
  disposeTransformer,
  transformerForward,
  TransformerSchema,
} from "../lib/models/transformer.ts";
import {
  attachTransformerLora,
  disposeTransformerAdapters,
  sequenceLoss,
  transformerTrainable,
} from "../lib/models/transformer_view.ts";

/** The adapter found here, or why there is none. */
async function findAdapter(): Promise<{ adapter?: string; why?: string }> {
  try {
    return { adapter: (await initBackend("webgpu")).adapter! };
  } catch (error) {
    return { why: (error as Error).message };
  } finally {
    await initBackend("cpu");
  }
}

const { adapter, why } = await findAdapter();
if (!adapter) console.log(`webgpu parity tests skipped: ${why}`);

/** A loss and its gradients as plain numbers. */
interface Pass {
  loss: number;
  output: Float32Array;
  grads: Float32Array[];
}

/** Runs `pass` on the cpu backend, then on webgpu, each with models built afresh from the same seeds. */
async function onBoth(pass: () => Promise<Pass>): Promise<[Pass, Pass]> {
  await initBackend("cpu");
  const cpu = await pass();
  await initBackend("webgpu");
  const gpu = await pass();
  await initBackend("cpu");
  return [cpu, gpu];
}

/** Largest |a − b| relative to the largest |a|: float32 sums in another order differ by ~1e-6 of it. */
function relativeGap(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  let gap = 0, scale = 0;
  for (let i = 0; i < a.length; i++) {
    gap = Math.max(gap, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(a[i]!));
  }
  return gap / Math.max(scale, 1e-12);
}

function assertSame(cpu: Pass, gpu: Pass): void {
  // Measured on llvmpipe: loss 1e-7, outputs 4e-7, gradients 2e-6 of their scale.
  assert.ok(Math.abs(cpu.loss - gpu.loss) <= 1e-5 * Math.abs(cpu.loss), `loss ${cpu.loss} vs ${gpu.loss}`);
  assert.ok(relativeGap(cpu.output, gpu.output) < 1e-5, "outputs");
  assert.equal(cpu.grads.length, gpu.grads.length);
  cpu.grads.forEach((g, i) => assert.ok(relativeGap(g, gpu.grads[i]!) < 1e-4, `gradient ${i}`));
}

/** The loss, the output and the gradients of `variables`, read back. */
async function lossAndGrads(output: () => tf.Tensor, loss: () => tf.Scalar, variables: tf.Variable[]) {
  const out = tf.tidy(output);
  const { value, grads } = tf.variableGrads(loss, variables);
  const pass: Pass = {
    loss: (await value.data())[0]!,
    output: await out.data() as Float32Array,
    grads: await Promise.all(variables.map(async (v) => await grads[v.name]!.data() as Float32Array)),
  };
  tf.dispose([out, value, grads]);
  return pass;
}

Deno.test({
  name: "webgpu: the toy MLP's logits, loss and weight gradients equal the cpu backend's",
  ignore: !adapter,
  async fn() {
    const [cpu, gpu] = await onBoth(async () => {
      const rng = new Rng(7, "parity");
      const model = createClassifier(40, 4, { hidden: [64, 64] }, rng.fork("model"));
      const inputs = tf.tensor2d(Array.from({ length: 96 * 40 }, () => rng.normal()), [96, 40]);
      const labels = tf.tensor1d(Array.from({ length: 96 }, () => rng.int(4)), "int32");
      const pass = await lossAndGrads(
        () => forward(model, inputs).logits,
        () => crossEntropy(forward(model, inputs).logits, labels),
        trainableVariables(model),
      );
      tf.dispose([inputs, labels]);
      disposeClassifier(model);
      return pass;
    });
    assertSame(cpu, gpu);
  },
});

Deno.test({
  name: "webgpu: the tiny transformer's logits, loss and LoRA gradients equal the cpu backend's",
  ignore: !adapter,
  async fn() {
    const [cpu, gpu] = await onBoth(async () => {
      const rng = new Rng(11, "parity");
      const config = TransformerSchema.parse({ dModel: 32, layers: 2, heads: 4, context: 12 });
      const base = createTransformer(20, config, rng.fork("base"));
      const model = attachTransformerLora(base, { rank: 4, scale: 2 }, rng.fork("lora"));
      // Every adapter weight drawn (B too), so that A's gradient is not zero as at the usual initialisation.
      for (const v of transformerTrainable(model)) {
        v.assign(tf.tensor(Array.from({ length: v.size }, () => 0.1 * rng.normal()), v.shape));
      }
      const examples = Array.from({ length: 6 }, (_, i) => ({
        tokens: Array.from({ length: 8 + (i % 3) }, () => 1 + rng.int(19)),
        scored: Array.from({ length: 8 + (i % 3) }, (_, t) => t >= 3),
      }));
      const batch = sequenceBatch(examples, 0);
      const pass = await lossAndGrads(
        () => transformerForward(model, batch.tokens).logits,
        () => sequenceLoss(model, batch),
        transformerTrainable(model),
      );
      disposeSequenceBatch(batch);
      disposeTransformerAdapters(model);
      disposeTransformer(base);
      return pass;
    });
    assertSame(cpu, gpu);
  },
});

Deno.test({
  name:
    "webgpu: the tiny transformer runs on webgpu, then on the cpu backend again (constants kept per backend)",
  ignore: !adapter,
  async fn() {
    const logits = async () => {
      const config = TransformerSchema.parse({ dModel: 16, layers: 1, heads: 2, context: 7 });
      const model = createTransformer(9, config, new Rng(3, "switch"));
      const tokens = tf.tensor2d([[1, 2, 3, 4, 5, 6, 7]], [1, 7], "int32");
      const out = tf.tidy(() => transformerForward(model, tokens).logits);
      const values = await out.data();
      tf.dispose([tokens, out]);
      disposeTransformer(model);
      return values;
    };
    await initBackend("webgpu");
    const gpu = await logits();
    await initBackend("cpu");
    const cpu = await logits(); // a causal mask made on webgpu would have to be read back synchronously here
    assert.ok(relativeGap(cpu as Float32Array, gpu as Float32Array) < 1e-5);
  },
});

Deno.test({
  name:
    "webgpu: an experiment refuses it before any work, saying why (synchronous reads), and names the adapter",
  ignore: !adapter,
  async fn() {
    const config = await loadToyConfig(undefined, { seeds: [1] });
    assert.equal((await initBackend("webgpu")).id, `webgpu: ${adapter}`);
    await assert.rejects(
      prepareExperiment(toy, config),
      (error: InputError) =>
        error instanceof InputError && /Cannot run toy on webgpu/.test(error.message) &&
        error.issues[0] === WEBGPU_SYNC_READS,
    );
    await initBackend("cpu");
  },
});

Deno.test({
  name: "the default backend here is not webgpu, and its reason names the adapter left unused",
  ignore: !adapter,
  async fn() {
    const command = new Deno.Command(Deno.execPath(), {
      args: [
        "eval",
        "import { initBackend } from './lib/backend.ts'; console.log(JSON.stringify(await initBackend()));",
      ],
      env: { SELGEN_BACKEND: "" },
      cwd: new URL("..", import.meta.url),
      stdout: "piped",
      stderr: "piped",
    });
    const info = JSON.parse(
      new TextDecoder().decode((await command.output()).stdout).trim().split("\n").at(-1)!,
    );
    assert.notEqual(info.name, "webgpu");
    assert.ok(info.reason.includes(`WebGPU adapter ${adapter}`), info.reason);
  },
});

Deno.test("a record's backend gives the backend to start: the name before the adapter", () => {
  assert.equal(backendName("webgpu: llvmpipe (LLVM 15.0.6, 256 bits)"), "webgpu");
  assert.equal(backendName("wasm"), "wasm");
  assert.throws(() => backendName("gpu"), /Cannot start the backend "gpu"/);
});
