/**
 * A token-level vocabulary: every token is a whole word (a number, an invented name, `medQ7`), so no
 * sub-word tokenizer is needed. Special tokens come first.
 *
 * @module
 */

/** The special tokens, always ids 0–4. */
export const SPECIAL_TOKENS = ["<pad>", "<bos>", "<eos>", "U:", "A:"] as const;

/** Maps tokens to ids and back. */
export class Vocabulary {
  readonly tokens: readonly string[];
  readonly #ids: Map<string, number>;

  /** A vocabulary of the special tokens followed by `tokens` (duplicates are dropped). */
  constructor(tokens: Iterable<string>) {
    this.tokens = [...new Set([...SPECIAL_TOKENS, ...tokens])];
    this.#ids = new Map(this.tokens.map((t, i) => [t, i]));
  }

  /** How many tokens. */
  get size(): number {
    return this.tokens.length;
  }

  /** The id of a token; throws naming the token when it is unknown. */
  id(token: string): number {
    const id = this.#ids.get(token);
    if (id === undefined) throw new Error(`Cannot encode "${token}": it is not in the vocabulary`);
    return id;
  }

  /** Ids of a whitespace-separated string or a token list. */
  encode(text: string | readonly string[]): number[] {
    const tokens = typeof text === "string" ? text.split(/\s+/).filter(Boolean) : text;
    return tokens.map((t) => this.id(t));
  }

  /** Tokens of ids, joined by spaces. */
  decode(ids: readonly number[]): string {
    return ids.map((i) => this.tokens[i] ?? `<${i}?>`).join(" ");
  }
}
