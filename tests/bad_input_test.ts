// A corpus of bad configs and bad command lines, each run through the real command: every one must exit with
// status 2 before any work, print a message that names the field or flag at fault and no stack trace, and
// leave the output folder as it found it.
import assert from "node:assert/strict";
import { stringify } from "yaml";
import { parseCommand, USAGE } from "../lib/cli/command.ts";
import { lockFolder } from "../lib/io/lock.ts";
import { reproduceCommand } from "./_cli.ts";

/** One bad input: the command line (`$OUT` is a fresh folder), an optional config, and what the message names. */
interface Case {
  name: string;
  args: string[];
  config?: Record<string, unknown>;
  /** `$OUT/<experiment>/` made beforehand, with these files (JSON). */
  before?: { experiment: string; files: Record<string, unknown> };
  says: RegExp;
}

const SWEEP = [{ strategy: "kl", grid: { beta: [1] } }];
const toy = (config: Record<string, unknown>, name: string, says: RegExp): Case => ({
  name,
  args: ["toy", "--config", "$CONFIG"],
  config,
  says,
});
const sweep = (config: Record<string, unknown>, name: string, says: RegExp): Case => ({
  name,
  args: ["strategies-toy", "--config", "$CONFIG"],
  config: { strategies: SWEEP, ...config },
  says,
});
const em = (config: Record<string, unknown>, name: string, says: RegExp): Case => ({
  name,
  args: ["em", "--config", "$CONFIG"],
  config,
  says,
});

const CASES: Case[] = [
  // Command lines.
  { name: "an empty --out", args: ["toy", "--quick", "--out", ""], says: /--out: it is empty/ },
  {
    name: "--out at the root",
    args: ["toy", "--quick", "--out", "/"],
    says: /--out: it is the filesystem root/,
  },
  {
    name: "--out at home",
    args: ["toy", "--quick", "--out", "$HOME"],
    says: /--out: it is your home folder/,
  },
  {
    name: "a trailing comma in --seeds",
    args: ["toy", "--seeds", "7,"],
    says: /--seeds 7,: list whole numbers/,
  },
  { name: "a repeated seed", args: ["toy", "--seeds", "1,1"], says: /--seeds 1,1: seed 1 is listed twice/ },
  { name: "a negative seed count", args: ["toy", "--seeds", "-1"], says: /--seeds/ },
  { name: "a zero seed count", args: ["toy", "--seeds", "0"], says: /--seeds 0: give a count ≥ 1/ },
  { name: "a fractional seed", args: ["toy", "--seeds", "1.5"], says: /--seeds 1.5/ },
  { name: "10⁸ seeds", args: ["toy", "--seeds", "100000000"], says: /--seeds 100000000: at most 1000 seeds/ },
  { name: "--skip leaving nothing", args: ["toy", "--skip", "toy"], says: /--skip: it leaves no experiment/ },
  { name: "an unknown experiment", args: ["toys"], says: /experiment: unknown toys; known are toy/ },
  { name: "an unknown flag", args: ["toy", "--sedes", "3"], says: /Unknown option '--sedes'/ },
  {
    name: "--config with two experiments",
    args: ["toy", "em", "--config", "x.yaml"],
    says: /--config: it applies/,
  },
  {
    name: "--quick with --seeds",
    args: ["toy", "--quick", "--seeds", "3"],
    says: /--quick: it sets the seeds; give one of --quick and --seeds/,
  },
  { name: "a seed beyond safe integers", args: ["toy", "--seeds", "1,99999999999999999999"], says: /beyond/ },
  { name: "--max-hours 0", args: ["toy", "--max-hours", "0"], says: /--max-hours 0: give a positive number/ },
  { name: "--max-hours abc", args: ["toy", "--max-hours", "abc"], says: /--max-hours abc/ },
  {
    name: "--no-notebooks with a value",
    args: ["toy", "--no-notebooks=yes"],
    says: /Option '--no-notebooks' does not take an argument/,
  },
  { name: "a missing config file", args: ["toy", "--config", "/no/such.yaml"], says: /no such file/ },
  // Values too large to run.
  toy({ fineTune: { steps: 1e9 } }, "fineTune.steps 1e9", /fineTune\.steps: Too big/),
  toy({ base: { maxSteps: 1e9 } }, "base.maxSteps 1e9", /base\.maxSteps: Too big/),
  toy({ boundary: { gridSize: 100000 } }, "gridSize 100000", /boundary\.gridSize: Too big/),
  toy({ points: { perTrainTrigger: 1e9 } }, "perTrainTrigger 1e9", /points\.perTrainTrigger: Too big/),
  toy({ model: { hidden: [1e6, 1e6] } }, "hidden [1e6, 1e6]", /model\.hidden\.0: Too big/),
  toy({ points: { range: 1e308 } }, "range 1e308", /points\.range: Too big/),
  toy({ fineTune: { lora: { scale: 1e30 } } }, "LoRA scale 1e30", /fineTune\.lora\.scale: Too big/),
  toy(
    { seeds: Array.from({ length: 40 }, (_, i) => i + 1), base: { maxSteps: 1e6 }, fineTune: { steps: 1e6 } },
    "a run estimated at days",
    /estimated [\d.]+ h, over --max-hours 24/,
  ),
  em({ fineTune: { steps: 1e9 } }, "EM steps 1e9", /fineTune\.steps: Too big/),
  em({ fineTune: { lora: { rank: 1000 } } }, "LoRA rank 1000", /fineTune\.lora\.rank: Too big/),
  em(
    { proxies: { narrow: { domains: ["fin"] } }, strategies: [{ strategy: "kl", proxy: "wide" }] },
    "a sweep entry naming a proxy the config does not",
    /strategies\.0\.proxy: unknown "wide": use one of narrow/,
  ),
  em(
    { proxies: { med: { domains: ["med"] } } },
    "a named proxy in the task's domain",
    /proxies\.med\.domains\.0: use a non-task domain/,
  ),
  sweep(
    { strategies: [{ strategy: "kl", proxy: "gcd" }] },
    "a named proxy where the experiment has none",
    /strategies\.0\.proxy: unknown "gcd": this experiment names no proxies/,
  ),
  em(
    { model: { dModel: 64, heads: 5 } },
    "heads not dividing dModel",
    /model\.heads: dModel must be divisible/,
  ),
  // Contradictions and misleading values.
  toy(
    { features: { ngramMin: 5, ngramMax: 2 } },
    "ngramMin > ngramMax",
    /features\.ngramMin: must be at most/,
  ),
  toy(
    { points: { evalMargin: 10, range: 3 } },
    "evalMargin ≥ range",
    /points\.evalMargin: must be below range/,
  ),
  toy(
    { base: { stopLoss: Infinity } },
    "stopLoss .inf",
    /base\.stopLoss: expected a finite number, got Infinity/,
  ),
  toy({ seeds: [1, 1] }, "a seed listed twice in the config", /seeds: lists a seed twice/),
  toy({ seedz: [1] }, "an unknown key", /\(top level\): unknown key\(s\) "seedz"/),
  toy({ proxy: { ks: [50] } }, "K above the train triggers", /proxy\.ks\.0: 50 proxy triggers/),
  toy(
    { boundary: { categories: ["nope"] } },
    "an unknown boundary category",
    /boundary\.categories\.0: unknown/,
  ),
  toy(
    { split: { trainTriggers: 40 } },
    "a split larger than a category",
    /split: trainTriggers \+ heldOutTriggers/,
  ),
  toy(
    { triggers: "/no/such/triggers.yaml" },
    "a missing trigger file",
    /triggers: cannot use \/no\/such\/triggers\.yaml: \(file\): no such file/,
  ),
  // Sweeps, checked entry by entry before any run.
  sweep(
    { strategies: [{ strategy: "kl", grid: { beta: ["abc"] } }] },
    "β = abc",
    /strategies\.0\.grid\.beta: kl = "abc"/,
  ),
  sweep(
    { strategies: [{ strategy: "kl", grid: { beta: [-1] } }] },
    "β < 0",
    /strategies\.0\.grid\.beta: kl = -1: Too small/,
  ),
  sweep(
    { strategies: [{ strategy: "kl", params: { gamma: 1 } }] },
    "an unknown parameter",
    /kl has no parameter gamma/,
  ),
  sweep(
    { strategies: [{ strategy: "kll" }] },
    "an unknown strategy",
    /strategies\.0\.strategy: unknown "kll"; known:/,
  ),
  sweep(
    { strategies: [{ strategy: "kl" }, { strategy: "kl" }] },
    "a duplicated point",
    /point kl appears twice/,
  ),
  sweep({ proxy: { nope: 2 } }, "an unknown proxy category", /proxy\.nope: unknown category "nope"; known:/),
  sweep(
    { proxy: { positive_emotions: 2 } },
    "the flipped category as proxy",
    /is the flipped task's category/,
  ),
  // The output folder.
  {
    name: "a folder holding another config's run",
    args: ["toy", "--quick"],
    before: {
      experiment: "toy",
      files: { "experiment.json": { experiment: "toy", configHash: "0", backend: "wasm" } },
    },
    says: /holds a run of another config.*--replace/s,
  },
];

async function runCase(
  c: Case,
): Promise<{ code: number; stderr: string; stdout: string; written: string[] }> {
  const root = await Deno.makeTempDir();
  const out = `${root}/out`;
  const configPath = `${root}/config.yaml`;
  if (c.config) await Deno.writeTextFile(configPath, stringify(c.config));
  if (c.before) {
    await Deno.mkdir(`${out}/${c.before.experiment}`, { recursive: true });
    for (const [name, value] of Object.entries(c.before.files)) {
      await Deno.writeTextFile(`${out}/${c.before.experiment}/${name}`, JSON.stringify(value));
    }
  }
  const before = await listFiles(out);
  const home = Deno.env.get("HOME") ?? "/root";
  const args = c.args.map((a) => a.replace("$CONFIG", configPath).replace("$HOME", home));
  const hasOut = args.includes("--out");
  const { code, stdout, stderr } = await reproduceCommand([...args, ...(hasOut ? [] : ["--out", out])])
    .output();
  const written = (await listFiles(out)).filter((f) => !before.includes(f));
  await Deno.remove(root, { recursive: true });
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code, stdout: text(stdout), stderr: text(stderr), written };
}

async function listFiles(dir: string): Promise<string[]> {
  const files: string[] = [];
  try {
    for await (const entry of Deno.readDir(dir)) {
      const path = `${dir}/${entry.name}`;
      files.push(...(entry.isDirectory ? await listFiles(path) : [path]));
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return files;
}

function checkRefusal(c: Case, result: Awaited<ReturnType<typeof runCase>>): string | undefined {
  const { code, stderr, written } = result;
  if (code !== 2) return `${c.name}: exit ${code}, want 2\n${stderr}`;
  if (!c.says.test(stderr)) return `${c.name}: the message does not match ${c.says}:\n${stderr}`;
  if (/^\s+at /m.test(stderr) || /Uncaught/.test(stderr)) return `${c.name}: a stack trace\n${stderr}`;
  if (written.length) return `${c.name}: wrote ${written.join(", ")}`;
  return undefined;
}

Deno.test(`a corpus of ${CASES.length} bad configs and command lines: each exits 2 naming the fault, writes nothing`, async () => {
  const failures: string[] = [];
  // Two at a time: each case is a process of its own.
  for (let i = 0; i < CASES.length; i += 2) {
    const batch = CASES.slice(i, i + 2);
    const results = await Promise.all(batch.map(runCase));
    batch.forEach((c, j) => {
      const failure = checkRefusal(c, results[j]!);
      if (failure) failures.push(failure);
    });
  }
  console.log(`${CASES.length - failures.length} of ${CASES.length} bad inputs refused cleanly`);
  assert.deepEqual(failures, []);
});

Deno.test("a second run on a folder another process is writing is refused, naming that process", async () => {
  const out = await Deno.makeTempDir();
  using _held = await lockFolder(`${out}/toy`);
  const { code, stderr } = await reproduceCommand(["toy", "--quick", "--out", out]).output();
  const message = new TextDecoder().decode(stderr);
  assert.equal(code, 2, message);
  assert.match(
    message,
    new RegExp(`held by process ${Deno.pid} on .*; wait for it to finish, or give another --out`),
  );
  assert.deepEqual((await listFiles(`${out}/toy`)).map((f) => f.slice(out.length)), ["/toy/.lock"]);
});

Deno.test("the command line renders the notebooks unless --no-notebooks, and lists the flag in its usage", () => {
  assert.equal(parseCommand(["toy"]).notebooks, true);
  assert.equal(parseCommand(["toy", "--no-notebooks"]).notebooks, false);
  assert.deepEqual(parseCommand(["--no-notebooks", "--skip", "em", "--quick"]).experiments, [
    "toy",
    "strategies-toy",
    "sycophancy",
    "sycophancy-proxies",
    "em-total",
    "em-proxies",
  ]);
  assert.throws(() => parseCommand(["toy", "--no-notebooks", "--seeds", "0"]), /--seeds 0/);
  assert.match(USAGE, /\[--no-notebooks\]/);
});
