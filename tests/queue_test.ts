// The distributed executor end to end: a throwaway redis-server on a free loopback port, a coordinator
// (`reproduce … --redis`) and `deno task worker` processes. A worker SIGKILLed mid-job, a coordinator SIGKILLed
// and started again, and Redis restarted with its data lost all end with the in-process executor's summaries
// and records; a worker refuses a job that fails validation or comes from another code version.
import assert from "node:assert/strict";
import { Job, Queue } from "bullmq";
import { Redis } from "ioredis";
import { parse, stringify } from "yaml";
import { shippedConfig } from "../lib/config/load.ts";
import { QUEUE_NAME } from "../lib/queue/payload.ts";
import { codeVersion } from "../lib/queue/version.ts";
import { loadToyConfig } from "../mod.ts";
import { reproduceCommand, workerCommand } from "./_cli.ts";
import { startRedis } from "./_redis.ts";

const QUICK = ["--quick", "--no-notebooks", "--quiet"];
const LOCK = ["--concurrency", "1", "--lock-seconds", "3"];

/** A child process whose output is read line by line (both streams, so neither pipe fills). */
/** Children still running, for `cleanUp` to kill when an assertion left them so. */
const running = new Set<Deno.ChildProcess>();

/** Kills any child still running (a coordinator a failed assertion left behind) and removes the folders. */
async function cleanUp(...dirs: string[]): Promise<void> {
  for (const child of running) {
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
    await child.status;
  }
  running.clear();
  for (const dir of dirs) await Deno.remove(dir, { recursive: true }).catch(() => {});
}

function watched(command: Deno.Command) {
  const child = command.spawn();
  running.add(child);
  child.status.then(() => running.delete(child));
  const lines: string[] = [];
  const read = async (stream: ReadableStream<Uint8Array>) => {
    let rest = "";
    for await (const chunk of stream.pipeThrough(new TextDecoderStream())) {
      const parts = (rest + chunk).split("\n");
      rest = parts.pop()!;
      lines.push(...parts);
    }
    if (rest) lines.push(rest);
  };
  const done = Promise.all([read(child.stdout), read(child.stderr)]);
  return {
    child,
    lines,
    /** The `count`-th line matching `pattern`, waiting up to `seconds` for it. */
    async waitFor(pattern: RegExp, seconds = 120, count = 1): Promise<string> {
      for (let t = 0; t < seconds * 20; t++) {
        const found = lines.filter((line) => pattern.test(line));
        if (found.length >= count) return found[count - 1]!;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`no ${count} lines matching ${pattern} in ${seconds} s:\n${lines.join("\n")}`);
    },
    async status(): Promise<Deno.CommandStatus> {
      const status = await child.status;
      await done;
      return status;
    },
  };
}

type Watched = ReturnType<typeof watched>;

function startWorker(url: string, dir: string): Watched {
  return watched(workerCommand(["--redis", url, ...LOCK, "--work-dir", dir]));
}

async function stopWorker(worker: Watched): Promise<void> {
  try {
    worker.child.kill("SIGTERM");
  } catch { /* already gone */ }
  await worker.status();
}

/** A summary or record with every clock reading zeroed (`wallSeconds`, `seconds`, `baseSeconds`). */
function withoutClocks(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutClocks);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k, /seconds$/i.test(k) ? 0 : withoutClocks(v)]),
  );
}

/** Every run record under `dir` (a folder with a summary.json beside its metrics), path → record. */
async function records(dir: string): Promise<Map<string, unknown>> {
  const found = new Map<string, unknown>();
  const walk = async (sub: string) => {
    for await (const entry of Deno.readDir(`${dir}/${sub}`)) {
      if (!entry.isDirectory) continue;
      const path = sub ? `${sub}/${entry.name}` : entry.name;
      try {
        await Deno.stat(`${dir}/${path}/metrics.jsonl`);
        found.set(path, withoutClocks(JSON.parse(await Deno.readTextFile(`${dir}/${path}/summary.json`))));
      } catch {
        await walk(path);
      }
    }
  };
  await walk("");
  return found;
}

/** The same summaries and the same records, one per run, as the in-process run in `reference`. */
async function assertSameRun(reference: string, queued: string, experiments: string[]): Promise<void> {
  for (const name of experiments) {
    const read = async (root: string) =>
      withoutClocks(JSON.parse(await Deno.readTextFile(`${root}/${name}/summary.json`)));
    assert.deepEqual(await read(queued), await read(reference), `${name}: summary`);
    const a = await records(`${reference}/${name}`), b = await records(`${queued}/${name}`);
    assert.deepEqual([...b.keys()].sort(), [...a.keys()].sort(), `${name}: the same runs, none twice`);
    for (const [path, record] of a) assert.deepEqual(b.get(path), record, `${name}: ${path}`);
  }
}

async function inProcess(experiments: string[], args: string[] = []): Promise<string> {
  const out = await Deno.makeTempDir();
  const run = await reproduceCommand([...experiments, ...QUICK, ...args, "--out", out]).output();
  assert.equal(run.code, 0, new TextDecoder().decode(run.stderr));
  return out;
}

Deno.test("two queue workers, one SIGKILLed mid-job, end with the in-process executor's summaries and records", async () => {
  // strategies-toy's fine-tunes need their seed's saved base: artifacts that travel through Redis.
  const experiments = ["toy", "strategies-toy", "em-proxies"];
  const reference = await inProcess(experiments);
  const redis = await startRedis();
  const tmp = await Deno.makeTempDir();
  const workers = [startWorker(redis.url, `${tmp}/a`), startWorker(redis.url, `${tmp}/b`)];
  try {
    await Promise.all(workers.map((w) => w.waitFor(/serving/)));
    const coordinator = watched(
      reproduceCommand([...experiments, ...QUICK, "--out", `${tmp}/out`, "--redis", redis.url]),
    );
    // The first job (toy seed1 trains for seconds) is killed with its worker as soon as it starts.
    const started = await Promise.any(workers.map((w) => w.waitFor(/started toy seed1/)));
    const victim = workers.find((w) => w.lines.includes(started))!;
    const survivor = workers.find((w) => w !== victim)!;
    victim.child.kill("SIGKILL");
    assert.equal((await victim.status()).signal, "SIGKILL");
    const status = await coordinator.status();
    assert.equal(status.code, 0, coordinator.lines.join("\n"));
    assert.ok(
      survivor.lines.some((l) => /started toy seed1 \(attempt 2\)/.test(l)),
      survivor.lines.join("\n"),
    );
    assert.ok(
      !victim.lines.some((l) => /done toy seed1/.test(l)),
      "the killed worker finished its job first",
    );
    assert.ok(
      workers.some((w) =>
        w.lines.some((l) => /done strategies-toy bases\/seed1: 1 records, [1-9]\d* artifacts/.test(l))
      ),
      "no base travelled as an artifact",
    );
    await assertSameRun(reference, `${tmp}/out`, experiments);
  } finally {
    await Promise.all(workers.map(stopWorker));
    await redis.stop();
    await cleanUp(tmp, reference);
  }
});

/**
 * em's config with four of its strategies at two strengths each (eight points and the naive one, of em's 123):
 * the organism, its cached bases and its records as in em, for the tests that kill mid-run.
 */
async function smallEm(dir: string): Promise<string[]> {
  const config = parse(await Deno.readTextFile(shippedConfig("em")));
  const keep = ["mixed", "kl", "representation", "gradient-routing"];
  config.strategies = config.strategies
    .filter((s: { strategy: string }) => keep.includes(s.strategy))
    .filter((s: { strategy: string }, i: number, all: { strategy: string }[]) =>
      all.findIndex((t) => t.strategy === s.strategy) === i
    )
    .map((s: { grid: Record<string, number[]> }) => ({
      ...s,
      grid: Object.fromEntries(Object.entries(s.grid).map(([k, v]) => [k, v.slice(0, 2)])),
    }));
  const file = `${dir}/em-small.yaml`;
  await Deno.writeTextFile(file, stringify(config));
  return ["em", "--config", file];
}

Deno.test("a coordinator SIGKILLed mid-run and started again re-attaches to its queued jobs and ends with the same run", async () => {
  const tmp = await Deno.makeTempDir();
  const em = await smallEm(tmp);
  const reference = await inProcess(em);
  const redis = await startRedis();
  const worker = startWorker(redis.url, `${tmp}/w`);
  try {
    await worker.waitFor(/serving/);
    const args = [...em, ...QUICK, "--out", `${tmp}/out`, "--redis", redis.url];
    const first = watched(reproduceCommand(args));
    await worker.waitFor(/done em .*point/, 120, 4);
    first.child.kill("SIGKILL");
    assert.equal((await first.status()).signal, "SIGKILL");
    await assert.rejects(Deno.stat(`${tmp}/out/em/summary.json`));
    const again = watched(reproduceCommand(args));
    assert.equal((await again.status()).code, 0, again.lines.join("\n"));
    // What finished before the kill is reused, never run again: each job started once.
    const started = worker.lines.filter((l) => /started em /.test(l)).map((l) =>
      l.replace(/ \(attempt.*/, "")
    );
    assert.equal(new Set(started).size, started.length, started.join("\n"));
    await assertSameRun(reference, `${tmp}/out`, ["em"]);
  } finally {
    await stopWorker(worker);
    await redis.stop();
    await cleanUp(tmp, reference);
  }
});

Deno.test("a run whose Redis restarts empty queues its lost jobs again and ends with the same run", async () => {
  const tmp = await Deno.makeTempDir();
  const em = await smallEm(tmp);
  const reference = await inProcess(em);
  let redis = await startRedis();
  const worker = startWorker(redis.url, `${tmp}/w`);
  try {
    await worker.waitFor(/serving/);
    const coordinator = watched(
      reproduceCommand([...em, ...QUICK, "--out", `${tmp}/out`, "--redis", redis.url]),
    );
    await worker.waitFor(/done em .*point/, 120, 4);
    await redis.stop();
    redis = await startRedis(redis.port);
    const status = await coordinator.status();
    assert.equal(status.code, 0, coordinator.lines.join("\n"));
    assert.ok(coordinator.lines.some((l) => /gone from Redis/.test(l)), coordinator.lines.join("\n"));
    await assertSameRun(reference, `${tmp}/out`, ["em"]);
  } finally {
    await stopWorker(worker);
    await redis.stop();
    await cleanUp(tmp, reference);
  }
});

Deno.test("a worker refuses, without retrying, a job that fails validation or comes from another code version", async () => {
  const redis = await startRedis();
  const tmp = await Deno.makeTempDir();
  const worker = startWorker(redis.url, `${tmp}/w`);
  const connection = new Redis(redis.url, { maxRetriesPerRequest: null });
  const queue = new Queue(QUEUE_NAME, { connection });
  try {
    await worker.waitFor(/serving/);
    const job = { id: "seed1", kind: "seed", seeds: [1], dependsOn: [], records: ["seed1/base"] };
    const config = await loadToyConfig();
    const valid = {
      version: { code: await codeVersion(), config: "0123456789abcdef" },
      run: "a".repeat(64),
      experiment: "toy",
      config,
      job,
      backend: "wasm",
      retrain: false,
    };
    const cases: [string, unknown, RegExp][] = [
      ["not a job", { hello: "world" }, /it is not a selgen job \(version: /],
      [
        "another code version",
        { ...valid, version: { ...valid.version, code: "f".repeat(64) } },
        /queued by code version ffffffffffff and this worker runs/,
      ],
      [
        "an unknown experiment",
        { ...valid, experiment: "toy; rm -rf /" },
        /no experiment is called "toy; rm -rf \/"/,
      ],
      [
        "a config that fails the schema",
        { ...valid, config: { ...config, seeds: "many" } },
        /its toy config fails the schema \(seeds: /,
      ],
      [
        "a config of another hash",
        valid,
        /its config hashes to \w+, not to the version key 0123456789abcdef/,
      ],
    ];
    for (const [name, data, reason] of cases) {
      const added = await queue.add("seed", data, {
        jobId: `refuse-${cases.findIndex((c) => c[0] === name)}`,
        attempts: 3,
      });
      let found: Job | undefined;
      for (let i = 0; i < 400; i++) {
        found = await Job.fromId(queue, added.id!);
        if (await found?.getState() === "failed") break;
        await new Promise((r) => setTimeout(r, 50));
      }
      assert.equal(await found?.getState(), "failed", name);
      assert.match(found!.failedReason, reason, name);
      assert.equal(found!.attemptsMade, 1, `${name}: retried`);
      assert.ok(worker.lines.some((l) => reason.test(l)), `${name}: the worker says why`);
    }
  } finally {
    await queue.close();
    connection.disconnect();
    await stopWorker(worker);
    await redis.stop();
    await cleanUp(tmp);
  }
});
