/**
 * YAML configs validated by zod. A bad config fails with every problem listed by its field path and
 * what is allowed there, e.g. `fineTune.steps: Too small: expected number to be >0`.
 *
 * @module
 */
import { parse as parseYaml } from "yaml";
import { z } from "zod";
import { InputError } from "./input_error.ts";

/** A config that failed validation; `issues` lists `path: message` lines. */
export class ConfigError extends InputError {
  constructor(source: string, issues: string[]) {
    super(`Cannot load config ${source}:`, issues);
    this.name = "ConfigError";
  }
}

/** Says "a finite number" where zod would say "expected number, received number" of ±Infinity or NaN. */
function finiteNumbers(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code === "invalid_type" && issue.expected === "number" && typeof issue.input === "number") {
    return `expected a finite number, got ${issue.input}`;
  }
  return undefined;
}

/** Validates a plain value against a schema, throwing a `ConfigError` that names each bad field. */
export function parseConfig<S extends z.ZodType>(
  schema: S,
  value: unknown,
  source = "<object>",
): z.output<S> {
  const result = schema.safeParse(value ?? {}, { error: finiteNumbers });
  if (result.success) return result.data;
  throw new ConfigError(source, result.error.issues.map(describeIssue));
}

/** Parses YAML text and validates it (see `parseConfig`). */
export function parseYamlConfig<S extends z.ZodType>(
  schema: S,
  text: string,
  source = "<yaml>",
): z.output<S> {
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (error) {
    throw new ConfigError(source, [`(file): not valid YAML: ${(error as Error).message}`]);
  }
  return parseConfig(schema, value, source);
}

/**
 * Reads a YAML file and validates it (see `parseConfig`).
 *
 * @example
 * ```ts
 * import { z } from "zod";
 * import { em, loadYamlConfig } from "../../mod.ts";
 * const config = await loadYamlConfig(em.configSchema, em.defaultConfig); // data/configs/em.yaml
 * // Your own schema: a bad file throws a ConfigError naming each field, e.g. `steps: Too small: …`.
 * const Sweep = z.strictObject({ seeds: z.array(z.int()).min(1), steps: z.int().positive().default(300) });
 * const sweep = await loadYamlConfig(Sweep, "my-sweep.yaml");
 * ```
 */
export async function loadYamlConfig<S extends z.ZodType>(
  schema: S,
  path: string | URL,
): Promise<z.output<S>> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound) && !(error instanceof Deno.errors.IsADirectory)) throw error;
    throw new ConfigError(String(path), ["(file): no such file; check the path"]);
  }
  return parseYamlConfig(schema, text, String(path));
}

/** One zod issue as `path: message` (the path `(top level)` when empty), with the fix for an unknown key. */
export function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.length ? issue.path.map(String).join(".") : "(top level)";
  if (issue.code === "unrecognized_keys") {
    return `${path}: unknown key(s) ${
      issue.keys.map((k) => `"${k}"`).join(", ")
    }; remove or fix the spelling`;
  }
  return `${path}: ${issue.message}`;
}

/** A config shipped with selgen, by name: `shippedConfig("em")` is `data/configs/em.yaml`. */
export function shippedConfig(name: string): URL {
  return new URL(`../../data/configs/${name}.yaml`, import.meta.url);
}
