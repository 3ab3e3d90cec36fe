/**
 * The output folder a user names: refused when writing there would scatter files where they do not belong
 * (the filesystem root, a home folder, an empty path, which would mean the current folder's root files).
 *
 * @module
 */
import { resolve } from "node:path";
import { InputError } from "../config/input_error.ts";

/** Checks an `--out` value; returns it unchanged or throws an `InputError` saying what to give instead. */
export function checkOutDir(out: string): string {
  const problem = outDirProblem(out);
  if (problem) throw new InputError(`Cannot write to --out ${JSON.stringify(out)}`, [`--out: ${problem}`]);
  return out;
}

function outDirProblem(out: string): string | undefined {
  if (out.trim() === "") return "it is empty; give a folder, e.g. --out out";
  const full = resolve(out);
  if (full === "/") return "it is the filesystem root; give a folder of its own, e.g. --out out";
  const home = Deno.env.get("HOME");
  if (home && full === resolve(home)) {
    return "it is your home folder; give a folder of its own, e.g. --out ~/selgen-out";
  }
  return undefined;
}
