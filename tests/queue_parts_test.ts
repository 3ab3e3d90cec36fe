// The queue executor's parts: Redis URLs and the worker's command line checked before any work, queued paths
// that cannot leave their folder, and artifacts that travel through Redis only when their SHA-256 matches.
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { InputError } from "../mod.ts";
import { parseWorkerCommand } from "../lib/cli/worker.ts";
import { fetchArtifacts, snapshot, uploadArtifacts } from "../lib/queue/artifacts.ts";
import { changed, redisAddress } from "../lib/queue/connection.ts";
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
  const artifact = { root: "artifacts", path: "seed1/base.json", sha256: "0".repeat(64), size: 1 };
  assert.ok(ArtifactSchema.safeParse(artifact).success);
  for (const path of ["../etc/passwd", "/etc/passwd", "seed1/../../x", "seed1/./base.json", "a//b", ""]) {
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
    await Deno.mkdir(`${tmp}/made/seed1`, { recursive: true });
    await Deno.writeTextFile(`${tmp}/made/old.txt`, "there before the job");
    const before = await snapshot(made);
    await Deno.writeTextFile(`${tmp}/made/seed1/base.json`, '{"weights":[1,2,3]}');
    await Deno.writeTextFile(`${tmp}/made/seed1/base.json.tmp-123`, "half a write");
    const uploaded = await uploadArtifacts(client, "run1", "seed1", made, before);
    assert.deepEqual(uploaded.map((a) => a.path), ["seed1/base.json"]);

    const fetched = { artifacts: `${tmp}/fetched` };
    assert.deepEqual(await fetchArtifacts(client, "run1", uploaded, fetched), { written: 1, missing: [] });
    assert.equal(await Deno.readTextFile(`${tmp}/fetched/seed1/base.json`), '{"weights":[1,2,3]}');
    assert.deepEqual(await fetchArtifacts(client, "run1", uploaded, fetched), { written: 0, missing: [] });

    await client.set(artifactKeys.blob("run1", uploaded[0]!.sha256), '{"weights":[1,2,4]}');
    await assert.rejects(
      fetchArtifacts(client, "run1", uploaded, { artifacts: `${tmp}/elsewhere` }),
      /Cannot fetch artifacts\/seed1\/base.json: its bytes in Redis fail their SHA-256/,
    );
    await assert.rejects(Deno.stat(`${tmp}/elsewhere/seed1/base.json`), Deno.errors.NotFound);

    await client.del(artifactKeys.blob("run1", uploaded[0]!.sha256));
    assert.deepEqual(
      await fetchArtifacts(client, "run1", uploaded, { artifacts: `${tmp}/later` }),
      { written: 0, missing: ["artifacts/seed1/base.json"] },
    );
  } finally {
    client.disconnect();
    await redis.stop();
    await Deno.remove(tmp, { recursive: true });
  }
});
