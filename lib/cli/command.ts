/**
 * The `reproduce` command line, parsed and checked in full before anything runs: every problem is listed at
 * once (the flag, what is wrong, what to give), as an `InputError`.
 *
 * @module
 */
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import { InputError } from "../config/input_error.ts";
import { extendSeeds, MAX_SEEDS } from "../config/seeds.ts";
import type { Budget } from "../experiments/experiment.ts";
import { checkOutDir } from "../io/out_dir.ts";
import { DEFAULT_MAX_HOURS } from "../train/estimate.ts";
import { EXPERIMENT_NAMES } from "../experiments/registry.ts";
import { redisAddress } from "../queue/connection.ts";

export const USAGE =
  `usage: deno task reproduce [${
    EXPERIMENT_NAMES.join("|")
  } …] [--skip NAME] [--seeds N|a,b,c] [--quick|--full] ` +
  "[--out DIR] [--config FILE] [--retrain] [--replace] [--max-hours H] [--no-notebooks] [--strict] [--quiet] " +
  "[--redis URL]";

/** `--seeds`: a count (the config's first N seeds, extended by consecutive integers) or a list. */
export type SeedsArg = { count: number } | { list: number[] };

/** A checked command line. */
export interface Command {
  experiments: string[];
  seeds: SeedsArg | undefined;
  /** `--quick` (a smoke run: one seed, one base) or `--full` (the whole benchmark); the default between. */
  budget: Budget | undefined;
  out: string;
  config: string | undefined;
  quiet: boolean;
  retrain: boolean;
  /** Replace an output folder that holds a run of another config. */
  replace: boolean;
  maxHours: number;
  /** Execute the notebooks of the experiments run and render them into `<out>/notebooks/` (`--no-notebooks`: not). */
  notebooks: boolean;
  /** Exit with status 1 when any finding fails (✗); ties and unmeasurable findings do not count. */
  strict: boolean;
  /** Run the jobs on queue workers through this Redis (`deno task worker`) instead of on this machine. */
  redis: string | undefined;
}

const OPTIONS = {
  seeds: { type: "string" },
  out: { type: "string", default: "out" },
  config: { type: "string" },
  skip: { type: "string", multiple: true, default: [] as string[] },
  quick: { type: "boolean", default: false },
  full: { type: "boolean", default: false },
  quiet: { type: "boolean", default: false },
  retrain: { type: "boolean", default: false },
  replace: { type: "boolean", default: false },
  "max-hours": { type: "string" },
  "no-notebooks": { type: "boolean", default: false },
  strict: { type: "boolean", default: false },
  redis: { type: "string" },
  help: { type: "boolean", default: false }, // answered before parsing (see reproduce.ts)
} satisfies ParseArgsOptionsConfig;

/** Parses and checks `args`; throws an `InputError` listing every problem. */
export function parseCommand(args: readonly string[]): Command {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], allowPositionals: true, options: OPTIONS });
  } catch (error) {
    throw new InputError(
      "Cannot read the command line",
      [(error as Error).message.replaceAll("\n", " ")],
      USAGE,
    );
  }
  const { values, positionals } = parsed;
  const problems: string[] = [];
  const unknown = [...positionals, ...values.skip].filter((p) => !EXPERIMENT_NAMES.includes(p));
  if (unknown.length) {
    problems.push(`experiment: unknown ${unknown.join(", ")}; known are ${EXPERIMENT_NAMES.join(", ")}`);
  }
  const named = positionals.length ? [...new Set(positionals)] : EXPERIMENT_NAMES;
  const experiments = named.filter((e) => !values.skip.includes(e));
  if (!unknown.length && experiments.length === 0) {
    problems.push("--skip: it leaves no experiment to run; name fewer to skip");
  }
  if (values.config !== undefined && experiments.length > 1) {
    problems.push("--config: it applies to one experiment; name that experiment");
  }
  if (values.quick && values.full) problems.push("--quick, --full: give one budget");
  const budget = values.quick ? "quick" : values.full ? "full" : undefined;
  if (budget && values.seeds !== undefined) {
    problems.push(`--${budget}: it sets the seeds; give one of --${budget} and --seeds`);
  }
  const seeds = collect(problems, () => parseSeeds(values.seeds));
  const out = collect(problems, () => checkOutDir(values.out));
  const maxHours = values["max-hours"] === undefined ? DEFAULT_MAX_HOURS : Number(values["max-hours"]);
  if (!(maxHours > 0) || !Number.isFinite(maxHours)) {
    problems.push(`--max-hours ${values["max-hours"]}: give a positive number of hours, e.g. --max-hours 48`);
  }
  if (values.redis !== undefined) collect(problems, () => redisAddress(values.redis!));
  if (problems.length) throw new InputError("Cannot run reproduce", problems, USAGE);
  return {
    experiments,
    seeds,
    budget,
    out: out!,
    config: values.config,
    quiet: values.quiet,
    retrain: values.retrain,
    replace: values.replace,
    maxHours,
    notebooks: !values["no-notebooks"],
    strict: values.strict,
    redis: values.redis,
  };
}

/** `--seeds 3` or `--seeds 1,7,25`: whole numbers, a list without blanks or repeats, at most `MAX_SEEDS`. */
export function parseSeeds(arg: string | undefined): SeedsArg | undefined {
  if (arg === undefined) return undefined;
  const fail = (why: string) => new InputError("Cannot use --seeds", [`--seeds ${arg}: ${why}`]);
  const whole = /^-?\d+$/;
  if (!arg.includes(",")) {
    if (!whole.test(arg.trim()) || Number(arg) < 1) throw fail("give a count ≥ 1 or a list like 1,2,25");
    if (Number(arg) > MAX_SEEDS) throw fail(`at most ${MAX_SEEDS} seeds per run`);
    return { count: Number(arg) };
  }
  const items = arg.split(",").map((s) => s.trim());
  if (items.some((s) => !whole.test(s))) throw fail("list whole numbers without blanks, e.g. 1,2,25");
  const list = items.map(Number);
  if (list.some((s) => !Number.isSafeInteger(s))) throw fail(`a seed is beyond ±${Number.MAX_SAFE_INTEGER}`);
  const repeated = list.filter((s, i) => list.indexOf(s) !== i);
  if (repeated.length) throw fail(`seed ${repeated[0]} is listed twice; each seed runs once`);
  if (list.length > MAX_SEEDS) throw fail(`at most ${MAX_SEEDS} seeds per run`);
  return { list };
}

/** The seeds a `SeedsArg` means for a config whose seeds are `configured`. */
export function resolveSeeds(arg: SeedsArg | undefined, configured: readonly number[]): number[] | undefined {
  if (arg === undefined) return undefined;
  if ("list" in arg) return arg.list;
  return extendSeeds(configured, arg.count);
}

/** Runs `parse`, moving an `InputError`'s lines into `problems` (so every problem is listed at once). */
export function collect<T>(problems: string[], parse: () => T): T | undefined {
  try {
    return parse();
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    problems.push(...error.issues);
    return undefined;
  }
}
