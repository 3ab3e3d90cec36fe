/**
 * Content hashes: what a file or a value is checked against when it is reused.
 *
 * @module
 */

/** SHA-256 of some bytes or of a string's UTF-8, as 64 hex digits. */
export async function sha256Hex(content: Uint8Array | string): Promise<string> {
  const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes as Uint8Array<ArrayBuffer>));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}
