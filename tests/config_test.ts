import assert from "node:assert/strict";
import { ConfigError, parseYamlConfig } from "../lib/config/load.ts";
import { ToyConfigSchema } from "../lib/experiments/toy/config.ts";
import { loadToyConfig } from "../lib/experiments/toy/experiment.ts";

Deno.test("the shipped toy config equals the schema's defaults", async () => {
  assert.deepEqual(await loadToyConfig(), ToyConfigSchema.parse({}));
});

Deno.test("an empty YAML file gives the defaults: the original code's seeds and split, LoRA rank 4", () => {
  const config = parseYamlConfig(ToyConfigSchema, "");
  assert.deepEqual(config.seeds, [1, 2, 25, 42]);
  assert.equal(config.split.trainTriggers, 10);
  assert.equal(config.fineTune.lora.rank, 4);
  assert.deepEqual(config.proxy.ks, [1, 2, 5]);
});

Deno.test("an unknown key is refused with its path and a hint", () => {
  assert.throws(
    () => parseYamlConfig(ToyConfigSchema, "fineTune:\n  stepz: 3\n", "toy.yaml"),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /Cannot load config toy\.yaml/);
      assert.match(error.message, /fineTune: unknown key\(s\) "stepz"; remove or fix the spelling/);
      return true;
    },
  );
});

Deno.test("a bad value names the field and what is allowed", () => {
  assert.throws(
    () => parseYamlConfig(ToyConfigSchema, "fineTune:\n  steps: -3\nseeds: [1.5]\n"),
    (error: unknown) => {
      assert.ok(error instanceof ConfigError);
      assert.ok(error.issues.some((i) => /^fineTune\.steps: .*>0/.test(i)), error.issues.join("\n"));
      assert.ok(error.issues.some((i) => /^seeds\.0: .*int/i.test(i)), error.issues.join("\n"));
      return true;
    },
  );
});

Deno.test("broken YAML is reported as such", () => {
  assert.throws(
    () => parseYamlConfig(ToyConfigSchema, "seeds: [1, 2\n", "x.yaml"),
    /x\.yaml[\s\S]*not valid YAML/,
  );
});
