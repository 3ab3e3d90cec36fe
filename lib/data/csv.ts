/**
 * A small RFC 4180 CSV reader: quoted fields may hold commas, quotes ("") and newlines. Pure.
 *
 * @module
 */

/** Parses CSV text into rows of fields. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [], field = "", quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\n" || c === "\r") {
      if (c === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += c;
  }
  if (field !== "" || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** Rows as objects keyed by the header; throws naming any required column that is missing. */
export function csvRecords(
  text: string,
  required: readonly string[] = [],
  source = "<csv>",
): Record<string, string>[] {
  const [header, ...rows] = parseCsv(text);
  if (!header) return [];
  const missing = required.filter((c) => !header.includes(c));
  if (missing.length) {
    throw new Error(
      `Cannot read ${source}: missing column(s) ${missing.join(", ")}; found ${header.join(", ")}`,
    );
  }
  return rows.filter((r) => r.length > 1 || r[0] !== "").map((r) =>
    Object.fromEntries(header.map((h, i) => [h, r[i] ?? ""]))
  );
}
