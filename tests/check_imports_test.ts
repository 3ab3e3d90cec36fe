import assert from "node:assert/strict";
import {
  type ImportGraph,
  importSpecifiers,
  layerOf,
  resolveSpecifier,
  stripComments,
  violations,
} from "../lib/cli/check_imports.ts";

const CHECKER = new URL("../lib/cli/check_imports.ts", import.meta.url).pathname;

/** Writes `files` (root-relative path → source) under a fresh temporary root and returns it. */
async function syntheticTree(files: Record<string, string>): Promise<string> {
  const root = await Deno.makeTempDir({ prefix: "selgen-imports-" });
  for (const [path, source] of Object.entries(files)) {
    await Deno.mkdir(`${root}/${path.slice(0, path.lastIndexOf("/"))}`, { recursive: true });
    await Deno.writeTextFile(`${root}/${path}`, source);
  }
  return root;
}

/** Runs the checker as `deno task check` does, on `root`. */
async function runChecker(root: string): Promise<{ code: number; text: string }> {
  const { code, stdout, stderr } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--allow-read", CHECKER, root],
    stdout: "piped",
    stderr: "piped",
  }).output();
  const decode = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code, text: decode(stdout) + decode(stderr) };
}

Deno.test("layerOf places foundation, every area, and nothing else", () => {
  assert.equal(layerOf("lib/backend.ts"), "foundation");
  assert.equal(layerOf("lib/io/atomic.ts"), "foundation");
  assert.equal(layerOf("lib/config/load.ts"), "foundation");
  assert.equal(layerOf("lib/data/rng.ts"), "data");
  assert.equal(layerOf("lib/models/view.ts"), "models");
  assert.equal(layerOf("lib/train/loop.ts"), "train");
  assert.equal(layerOf("lib/strategies/kl.ts"), "strategies");
  assert.equal(layerOf("lib/eval/pca.ts"), "eval");
  assert.equal(layerOf("lib/experiments/toy/config.ts"), "experiments");
  assert.equal(layerOf("lib/plot/figure.ts"), "plot");
  assert.equal(layerOf("lib/notebook/knobs.ts"), "notebook");
  assert.equal(layerOf("lib/cli/reproduce.ts"), "cli");
  assert.equal(layerOf("lib/backend_extra.ts"), undefined);
  assert.equal(layerOf("lib/newarea/x.ts"), undefined);
  assert.equal(layerOf("lib/foundation/x.ts"), undefined);
  assert.equal(layerOf("tests/x.ts"), undefined);
});

Deno.test("importSpecifiers finds multi-line, type-only, re-exports, side effects and dynamic imports", () => {
  const source = [
    '/** Doc example: import { fake } from "../plot/fake.ts"; */',
    '// import { alsoFake } from "../cli/fake.ts";',
    'import * as tf from "@tensorflow/tfjs";',
    'import type { A } from "./a.ts";',
    "import {",
    "  b,",
    "  type B,",
    "} from '../b.ts';",
    'export { c } from "./c.ts";',
    'export * from "./d.ts";',
    'export type * as E from "./e.ts";',
    'import "./side.ts";',
    "const text = `",
    'import { g } from "./not-code.ts";',
    "${1 + 1}`;",
    'const quote = /"/g, half = 1 / 2;',
    'export const later = await import("./dynamic.ts");',
    'const url = "https://example.org/x"; // from "./comment.ts"',
  ].join("\n");
  assert.deepEqual(importSpecifiers(source), [
    "./a.ts",
    "../b.ts",
    "./c.ts",
    "./d.ts",
    "./e.ts",
    "./side.ts",
    "./dynamic.ts",
  ]);
});

Deno.test("stripComments blanks comments and template text but keeps strings and line breaks", () => {
  const source = 'a = 1; // x\n/* y\n z */ s = "//k"; t = `u${v}w`;';
  const stripped = stripComments(source);
  assert.equal(stripped.length, source.length);
  assert.equal(stripped.split("\n").length, 3);
  assert.ok(stripped.includes('"//k"'));
  assert.ok(stripped.includes("${v}"));
  assert.ok(!/[xyzuw]/.test(stripped.replace(/\$\{v\}/, "")));
});

Deno.test("resolveSpecifier resolves relative to the importing file", () => {
  assert.equal(resolveSpecifier("lib/data/x.ts", "../strategies/y.ts"), "lib/strategies/y.ts");
  assert.equal(resolveSpecifier("lib/experiments/toy/a.ts", "../../models/b.ts"), "lib/models/b.ts");
  assert.equal(resolveSpecifier("lib/data/x.ts", "./rng.ts"), "lib/data/rng.ts");
});

Deno.test("violations: upward imports fail, same and lower layers pass", () => {
  const graph: ImportGraph = new Map([
    ["lib/data/x.ts", ["lib/data/rng.ts", "lib/io/atomic.ts", "lib/strategies/y.ts"]],
    ["lib/strategies/y.ts", ["lib/data/x.ts", "lib/models/view.ts", "lib/eval/pca.ts"]],
    ["lib/eval/pca.ts", ["lib/models/linalg.ts", "lib/strategies/y.ts"]],
    ["lib/io/atomic.ts", ["lib/config/load.ts", "lib/backend.ts", "lib/data/rng.ts"]],
    ["lib/cli/main.ts", ["lib/plot/figure.ts", "lib/experiments/run.ts"]],
    ["lib/plot/figure.ts", ["lib/cli/main.ts", "lib/experiments/run.ts", "../../data/table.json"]],
    ["lib/strange/z.ts", []],
    ["lib/models/w.ts", ["tests/_tiny.ts"]],
  ]);
  const found = violations(graph).map((v) => `${v.from} -> ${v.to ?? "(none)"}`);
  assert.deepEqual(found, [
    "lib/data/x.ts -> lib/strategies/y.ts",
    "lib/io/atomic.ts -> lib/data/rng.ts",
    "lib/models/w.ts -> tests/_tiny.ts",
    "lib/plot/figure.ts -> lib/cli/main.ts",
    "lib/strange/z.ts -> (none)",
    "lib/strategies/y.ts -> lib/eval/pca.ts",
  ]);
  const [first] = violations(graph);
  assert.match(
    first!.message,
    /^lib\/data\/x\.ts imports lib\/strategies\/y\.ts \(data may not import strategies: /,
  );
});

Deno.test("the checker exits non-zero and names a violation in a synthetic tree", async () => {
  const root = await syntheticTree({
    "lib/data/x.ts": 'import type {\n  Y,\n} from "../strategies/y.ts";\nexport type X = Y;\n',
    "lib/strategies/y.ts": "export type Y = number;\n",
  });
  try {
    const { code, text } = await runChecker(root);
    assert.equal(code, 1);
    assert.match(text, /lib\/data\/x\.ts imports lib\/strategies\/y\.ts \(data may not import strategies/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});

Deno.test("the checker passes a clean synthetic tree with one line", async () => {
  const root = await syntheticTree({
    "lib/backend.ts": "export const backend = 1;\n",
    "lib/data/x.ts": 'import { backend } from "../backend.ts";\nexport const x = backend;\n',
    "lib/strategies/y.ts": 'import { x } from "../data/x.ts";\nexport const y = x;\n',
    "lib/cli/z.ts":
      '// import { nothing } from "../../tests/t.ts";\nimport { y } from "../strategies/y.ts";\n' +
      "console.log(y);\n",
  });
  try {
    const { code, text } = await runChecker(root);
    assert.equal(code, 0, text);
    assert.equal(text.trim().split("\n").length, 1);
    assert.match(text, /^Imports follow the layer order \(4 files, 3 relative imports\)/);
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
