import assert from "node:assert/strict";
import { initBackend } from "../lib/backend.ts";
import { STRATEGIES } from "../lib/strategies/registry.ts";
import { GOLDEN_PATH, goldenTrajectories } from "./_golden.ts";

Deno.test("every strategy follows its recorded 20-step trajectory on the CPU backend", async () => {
  const golden: Record<string, number[]> = JSON.parse(await Deno.readTextFile(GOLDEN_PATH));
  try {
    const now = await goldenTrajectories();
    for (const strategy of STRATEGIES) {
      const expected = golden[strategy.name];
      assert.ok(expected, `${strategy.name} has no reference: run \`deno task golden\``);
      const actual = now[strategy.name]!;
      assert.equal(actual.length, expected.length, strategy.name);
      actual.forEach((loss, step) => {
        const tolerance = 1e-5 + 1e-4 * Math.abs(expected[step]!);
        assert.ok(
          Math.abs(loss - expected[step]!) <= tolerance,
          `${strategy.name} step ${step}: ${loss} vs ${expected[step]}`,
        );
      });
    }
  } finally {
    await initBackend("wasm");
  }
});
