/**
 * Errors in what a user gave — a config, a command line, an output folder — as opposed to bugs. The command
 * line prints an `InputError` as its message alone (no stack trace) and exits with status 2, before any work.
 *
 * @module
 */

/**
 * Bad input: a title line and one line per problem, each naming the field and the fix.
 *
 * @example
 * ```ts
 * import { InputError, loadToyConfig, runExperiment, toy } from "../../mod.ts";
 * // A script of your own: bad input is the user's to fix, so print the message alone; anything else is a bug.
 * try {
 *   await runExperiment(toy, await loadToyConfig("my-toy.yaml"), { out: "out" });
 * } catch (error) {
 *   if (!(error instanceof InputError)) throw error;
 *   console.error(error.message); // e.g. "Cannot load config my-toy.yaml:\n  - fineTune.steps: Too big: …"
 *   Deno.exit(2);
 * }
 * ```
 */
export class InputError extends Error {
  /** One line per problem, each starting with what it is about (a field path, a flag, a folder). */
  readonly issues: string[];
  constructor(title: string, issues: string[], hint?: string) {
    const list = issues.map((line) => `\n  - ${line}`).join("");
    super(`${title}${list}${hint ? `\n${hint}` : ""}`);
    this.name = "InputError";
    this.issues = issues;
  }
}
