/**
 * Which config's run an experiment's output folder holds (`experiment.json`), so that a run never mixes its
 * records with another config's: a folder claimed by another experiment or config hash is refused with the
 * fix, or, with `replace`, deleted first.
 *
 * @module
 */
import { stringify as toYaml } from "yaml";
import { z } from "zod";
import { InputError } from "../config/input_error.ts";
import { writeJsonAtomic, writeTextAtomic } from "./atomic.ts";

/** The file that says which config's run a folder holds. */
const CLAIM = "experiment.json";

const ClaimSchema = z.strictObject({ experiment: z.string(), configHash: z.string(), backend: z.string() });
export type Claim = z.output<typeof ClaimSchema>;
/** What a folder holds: a claim, an unreadable one, or none. */
type Found = Claim | "unreadable" | undefined;

/** The folder's claim; undefined when there is none (a new folder, or one written before claims). */
async function readClaim(dir: string): Promise<Found> {
  let text: string;
  try {
    text = await Deno.readTextFile(`${dir}/${CLAIM}`);
  } catch {
    return undefined;
  }
  try {
    return ClaimSchema.parse(JSON.parse(text));
  } catch {
    return "unreadable";
  }
}

/** Whether a folder's claim is this run's: same experiment and config hash. */
function claims(found: Found, claim: Claim): boolean {
  return found !== undefined && found !== "unreadable" && found.experiment === claim.experiment &&
    found.configHash === claim.configHash;
}

/** Refuses a folder claimed by another experiment or config, or whose claim is unreadable. */
function checkClaim(dir: string, claim: Claim, found: Found): void {
  if (found === undefined || claims(found, claim)) return;
  const fix = "give another --out, or --replace to delete that run and start afresh";
  if (found === "unreadable") {
    throw new InputError(`Cannot write ${dir}: its ${CLAIM} is not selgen's`, [
      `${dir}/${CLAIM}: unreadable; ${fix}`,
    ]);
  }
  throw new InputError(`Cannot write ${dir}: it holds a run of another config`, [
    `${dir}/${CLAIM}: ${found.experiment} on ${found.backend}, config hash ${found.configHash}; this run is ` +
    `${claim.experiment} on ${claim.backend}, config hash ${claim.configHash}; ${fix}`,
  ]);
}

/** Refuses a folder that holds a run of another experiment or config, or whose claim is unreadable. */
export async function checkFolder(dir: string, claim: Claim): Promise<void> {
  checkClaim(dir, claim, await readClaim(dir));
}

/**
 * Marks the folder as this config's, under its lock. A run of another config is refused again here (the
 * folder may have changed since it was prepared) unless `replace`, which deletes it, claim first, so a
 * deletion cut short never leaves the old claim over a half-deleted run.
 */
export async function claimFolder(
  dir: string,
  claim: Claim,
  config: unknown,
  replace: boolean,
): Promise<void> {
  const found = await readClaim(dir);
  if (!replace) checkClaim(dir, claim, found);
  else if (found !== undefined && !claims(found, claim)) {
    await Deno.remove(`${dir}/${CLAIM}`);
    for await (const entry of Deno.readDir(dir)) {
      if (entry.name !== ".lock") await Deno.remove(`${dir}/${entry.name}`, { recursive: true });
    }
  }
  await writeJsonAtomic(`${dir}/${CLAIM}`, claim);
  await writeTextAtomic(`${dir}/config.yaml`, toYaml(config));
}
