import assert from "node:assert/strict";
import { INCOHERENT_BELOW, incoherentPoints } from "../lib/eval/points.ts";

const run = (point: string, coherence: number, diverged = false) => ({ point, coherence, diverged });

Deno.test("a point is incoherent when its runs' mean coherence falls below the threshold", () => {
  assert.equal(INCOHERENT_BELOW, 0.5);
  const runs = [
    run("naive", 1),
    run("naive", 0.95),
    run("kl-beta=1", 0.6),
    run("kl-beta=1", 0.3), // mean 0.45
    run("steering-alpha=1000", 0),
    run("steering-alpha=1000", 0.2),
    run("dpo", 0.9),
    run("dpo", 0, true), // a diverged run is left out of the mean
  ];
  assert.deepEqual(incoherentPoints(runs), ["kl-beta=1", "steering-alpha=1000"]);
  assert.deepEqual(incoherentPoints([run("x", 0.5)]), [], "exactly at the threshold is coherent");
});
