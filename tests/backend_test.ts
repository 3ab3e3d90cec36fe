import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { backendInfo, initBackend } from "../lib/backend.ts";

Deno.test("the default backend here is WASM, and run records can name it", async () => {
  const info = await initBackend("wasm");
  assert.equal(info.name, "wasm");
  assert.equal(tf.getBackend(), "wasm");
  assert.equal((await backendInfo()).name, "wasm");
});

Deno.test("gradients are registered on the one tfjs instance (RealDiv, MatMul, chained ops)", async () => {
  await initBackend("wasm");
  const x = tf.variable(tf.tensor1d([1, 2, 3]), true, "backend-test-x");
  const { value, grads } = tf.variableGrads(() => x.square().div(tf.scalar(2)).sum() as tf.Scalar, [x]);
  assert.deepEqual(Array.from(grads["backend-test-x"]!.dataSync()), [1, 2, 3]);
  assert.equal(value.dataSync()[0], 7);
  tf.dispose([x, value, grads]);
});

Deno.test("only one copy of tfjs-core is installed (two copies lose the backend registry)", () => {
  const copies = [...Deno.readDirSync(new URL("../node_modules/.deno/", import.meta.url))]
    .filter((e) => e.name.startsWith("@tensorflow+tfjs-core@"));
  assert.equal(copies.length, 1, copies.map((c) => c.name).join(", "));
});

Deno.test("an unknown SELGEN_BACKEND is refused with the allowed values", async () => {
  const command = new Deno.Command(Deno.execPath(), {
    args: ["eval", "import { initBackend } from './lib/backend.ts'; await initBackend();"],
    env: { SELGEN_BACKEND: "gpu" },
    cwd: new URL("..", import.meta.url),
    stderr: "piped",
    stdout: "piped",
  });
  const { code, stderr } = await command.output();
  assert.notEqual(code, 0);
  assert.match(
    new TextDecoder().decode(stderr),
    /SELGEN_BACKEND=gpu: allowed values are tensorflow, webgpu, wasm, cpu/,
  );
});

Deno.test("forcing the tensorflow backend without tfjs-node says what is missing", async () => {
  await assert.rejects(initBackend("tensorflow"), /tfjs-node-gpu nor @tensorflow\/tfjs-node is installed/);
  await initBackend("wasm");
});
