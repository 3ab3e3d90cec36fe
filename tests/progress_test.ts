// Progress in logs: a line per tenth of the work with done of total and elapsed time, an estimate of the
// time left once a tenth is done, reused work shown as such, and a final line with the real elapsed time.
import assert from "node:assert/strict";
import { createProgress } from "../lib/train/progress.ts";

async function lines(run: () => Promise<void>): Promise<string[]> {
  const seen: string[] = [];
  const original = console.error;
  console.error = (line: string) => void seen.push(line);
  try {
    await run();
  } finally {
    console.error = original;
  }
  return seen;
}

Deno.test({
  name: "progress in logs: tenths, an estimate once a tenth is done, reused work, the final state",
  ignore: Deno.stderr.isTerminal(), // on a terminal it rewrites one line instead
  async fn() {
    const log = await lines(async () => {
      const progress = createProgress("toy", 20, { done: 4 });
      for (let done = 5; done <= 20; done++) progress.update(done, `run ${done}`);
      await progress.finish();
    });
    assert.match(log[0]!, /^toy .* 4\/20 .*4 reused$/);
    assert.ok(log.some((l) => /6\/20 .*left/.test(l)), log.join("\n"));
    assert.match(log.at(-1)!, /^toy █+ 20\/20 \d+\.\ds {2}done$/);
    assert.ok(log.length <= 12, `one line per tenth at most, got ${log.length}`);
    assert.deepEqual(await lines(() => createProgress("quiet", 3, { quiet: true }).finish()), []);
  },
});
