// The queue executor's parts: Redis URLs and the worker's command line checked before any work, queued paths
// that cannot leave their folder, artifacts that travel through Redis only when their SHA-256 matches, and a
// coordinator that fails cleanly when Redis stays away.
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { InputError, loadToyConfig, runExperiment, toy } from "../mod.ts";
import { parseWorkerCommand } from "../lib/cli/worker.ts";
import { fetchArtifacts, snapshot, uploadArtifacts } from "../lib/queue/artifacts.ts";
import { changed, redisAddress } from "../lib/queue/connection.ts";
import { QueueExecutor, QueueJobError } from "../lib/queue/executor.ts";
import { artifactKeys, ArtifactSchema } from "../lib/queue/payload.ts";
import { startRedis } from "./_redis.ts";

Deno.test("a Redis URL is checked before any work, and messages never print its password", () => {
  const address = redisAddress("rediss://user:s3cret@redis.lab.example:6380/2");
  assert.equal(address.label, "rediss://redis.lab.example:6380/2");
  assert.equal(address.url, "rediss://user:s3cret@redis.lab.example:6380/2");
  const bad: [string, RegExp][] = [
    ["lab-redis:6379", /is not redis:/],
    ["http://lab-redis:6379", /http: is not redis:/],
    ["redis://:s3cret@lab-redis:6379/queue", /the database \/queue is not a number/],
    ["redis://lab-redis:6379?tls=1", /query or fragment/],
    ["not a url at all", /it is not a URL/],
  ];
  for (const [url, why] of bad) {
    assert.throws(() => redisAddress(url), (error: unknown) => {
      assert.ok(error instanceof InputError, url);
      const text = error.issues.join("\n");
      assert.match(text, /^--redis /, url);
      assert.match(text, why, url);
      assert.match(text, /give redis:\/\/\[user:password@\]host/, url);
      assert.doesNotMatch(text, /s3cret/, url);
      return true;
    });
  }
});

Deno.test("the worker's command line lists every problem and names the fix", () => {
  assert.throws(
    () => parseWorkerCommand(["--concurrency", "0", "--lock-seconds", "soon"]),
    (error: unknown) => {
      assert.ok(error instanceof InputError);
      assert.deepEqual(error.issues, [
        "--redis: give the Redis URL the coordinator uses",
        "--concurrency 0: give a whole number of jobs at once, 1 to 64",
        "--lock-seconds soon: give seconds from 1 to 3600, e.g. 15",
      ]);
      return true;
    },
  );
  const command = parseWorkerCommand(["--redis", "redis://127.0.0.1:6379", "--concurrency", "3"]);
  assert.deepEqual(command, {
    redis: "redis://127.0.0.1:6379",
    concurrency: 3,
    workDir: "out/worker",
    lockSeconds: 15,
  });
});

Deno.test("a queued artifact path stays inside its folder", () => {
  const artifact = { root: "artifacts", path: "bases/seed1/base.json", sha256: "0".repeat(64), size: 1 };
  assert.ok(ArtifactSchema.safeParse(artifact).success);
  assert.ok(ArtifactSchema.safeParse({ ...artifact, root: "cache", path: "em/base.json" }).success);
  const escapes = ["../etc/passwd", "/etc/passwd", "bases/../../x", "bases/./base.json", "bases//b", ""];
  // Beside bases/ lie the run's records, which only the coordinator writes.
  const records = ["seed1/k5-objects/summary.json", "experiment.json", "bases"];
  for (const path of [...escapes, ...records]) {
    assert.equal(ArtifactSchema.safeParse({ ...artifact, path }).success, false, path);
  }
  assert.equal(ArtifactSchema.safeParse({ ...artifact, root: "home" }).success, false);
});

Deno.test("repeated connection errors are reported once until the message changes", () => {
  const once = changed();
  const seen = ["refused", "refused", "refused", "timeout", "refused"].filter(once);
  assert.deepEqual(seen, ["refused", "timeout", "refused"]);
});

Deno.test("artifacts travel through Redis by SHA-256: new files only, and corrupt bytes are refused", async () => {
  const redis = await startRedis();
  const client = new Redis(redis.url, { maxRetriesPerRequest: null });
  const tmp = await Deno.makeTempDir();
  try {
    const made = { artifacts: `${tmp}/made` };
    await Deno.mkdir(`${tmp}/made/bases/seed1`, { recursive: true });
    await Deno.writeTextFile(`${tmp}/made/bases/old.txt`, "there before the job");
    const before = await snapshot(made);
    await Deno.writeTextFile(`${tmp}/made/bases/seed1/base.json`, '{"weights":[1,2,3]}');
    await Deno.writeTextFile(`${tmp}/made/bases/seed1/base.json.tmp-123`, "half a write");
    await Deno.writeTextFile(`${tmp}/made/summary.json`, "not a shared file");
    const uploaded = await uploadArtifacts(client, "run1", "seed1", made, before);
    assert.deepEqual(uploaded.map((a) => a.path), ["bases/seed1/base.json"]);

    const fetched = { artifacts: `${tmp}/fetched` };
    assert.deepEqual(await fetchArtifacts(client, "run1", uploaded, fetched), { written: 1, missing: [] });
    assert.equal(await Deno.readTextFile(`${tmp}/fetched/bases/seed1/base.json`), '{"weights":[1,2,3]}');
    assert.deepEqual(await fetchArtifacts(client, "run1", uploaded, fetched), { written: 0, missing: [] });

    await client.set(artifactKeys.blob("run1", uploaded[0]!.sha256), '{"weights":[1,2,4]}');
    await assert.rejects(
      fetchArtifacts(client, "run1", uploaded, { artifacts: `${tmp}/elsewhere` }),
      /Cannot fetch artifacts\/bases\/seed1\/base.json: its bytes in Redis fail their SHA-256/,
    );
    await assert.rejects(Deno.stat(`${tmp}/elsewhere/bases/seed1/base.json`), Deno.errors.NotFound);

    await client.del(artifactKeys.blob("run1", uploaded[0]!.sha256));
    assert.deepEqual(
      await fetchArtifacts(client, "run1", uploaded, { artifacts: `${tmp}/later` }),
      { written: 0, missing: ["artifacts/bases/seed1/base.json"] },
    );
  } finally {
    client.disconnect();
    await redis.stop();
    await Deno.remove(tmp, { recursive: true });
  }
});

Deno.test("a coordinator whose Redis stays away fails every job in flight with one clear message", async () => {
  const redis = await startRedis();
  const tmp = await Deno.makeTempDir();
  const notices: string[] = [];
  const executor = await QueueExecutor.connect({
    redis: redis.url,
    redisTimeout: 2,
    pollSeconds: 0.25,
    log: (line) => notices.push(line),
  });
  try {
    // No worker serves the queue: the jobs wait until Redis goes, then the run fails within the timeout.
    const run = runExperiment(toy, await loadToyConfig(), { seeds: [1, 2], out: tmp, executor, quiet: true });
    await new Promise((r) => setTimeout(r, 500));
    await redis.stop();
    await assert.rejects(run, (error: unknown) => {
      assert.ok(error instanceof QueueJobError, String(error));
      assert.match(error.message, /^Cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+ for \d+ s \(/);
      assert.match(error.message, /run the same command again; finished records are kept/);
      return true;
    });
    assert.equal(notices.filter((l) => /ECONNREFUSED/.test(l)).length, 1, notices.join("\n"));
    await assert.rejects(Deno.stat(`${tmp}/toy/summary.json`), Deno.errors.NotFound);
  } finally {
    await executor.close();
    await Deno.remove(tmp, { recursive: true });
  }
});
