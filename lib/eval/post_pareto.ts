/**
 * The post's emergent-misalignment Pareto as shipped numbers: `data/post/post_em_pareto.csv`, recomputed once
 * from the original research repository's evaluation CSVs (its `#` header says how and from which commit).
 * One row per run of the original code (Qwen3-8B, one seed each), in percentages on the post's axes:
 *
 *   method, setting, x_general_alignment, y_task, degenerate
 *
 * x = % of general answers judged aligned, y = % of medical answers judged misaligned (empty: not measured),
 * degenerate = 1 where the answers were "!!!!…". Parsing is pure (`parsePostPareto`); `loadPostPareto` reads
 * the file. Every bad field is reported by line and column name. Fields are plain: a quoted field may hold a
 * comma but not a line break. To recompute these numbers from a checkout, see `original.ts`.
 *
 * @module
 */
import { fileURLToPath } from "node:url";
import { z } from "zod";
import { InputError } from "../config/input_error.ts";
import { parseCsv } from "../data/csv.ts";
import { originalFrontier } from "./original.ts";

/** The shipped file. */
export const POST_PARETO_CSV: URL = new URL("../../data/post/post_em_pareto.csv", import.meta.url);

/** The columns, in the file's order. */
export const POST_PARETO_COLUMNS = [
  "method",
  "setting",
  "x_general_alignment",
  "y_task",
  "degenerate",
] as const;

// A plain decimal number: what the file holds (Number() alone would also accept "", "0x10" and "Infinity").
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** A percentage in [0, 100]; with `missing`, an empty field reads as NaN (not measured). */
function percent(missing: boolean) {
  return z.string().transform((raw, ctx) => {
    const text = raw.trim();
    if (missing && text === "") return NaN;
    const value = DECIMAL.test(text) ? Number(text) : NaN;
    if (value >= 0 && value <= 100) return value;
    ctx.addIssue({
      code: "custom",
      message: `expected a number from 0 to 100${missing ? " (or nothing)" : ""}, got ${JSON.stringify(raw)}`,
    });
    return z.NEVER;
  });
}

/** One row of the file, read into a point on the post's axes. */
export const PostParetoRowSchema = z.strictObject({
  /** Groups runs into one curve: base, naive, mixed, up-weighted, dpo, kl, safelora. */
  method: z.string().trim().min(1, { error: "expected a method name, got nothing" }),
  /** The run's hyper-parameter, as the post names it (e.g. "lambda 4"). */
  setting: z.string().trim(),
  x_general_alignment: percent(false),
  y_task: percent(true),
  degenerate: z.enum(["0", "1"], { error: (issue) => `expected 0 or 1, got ${JSON.stringify(issue.input)}` })
    .transform((flag) => flag === "1"),
}).transform((row) => ({
  label: row.setting ? `${row.method} ${row.setting}` : row.method,
  method: row.method,
  setting: row.setting,
  /** % of general answers judged aligned (score ≥ 80). */
  generalAlignment: row.x_general_alignment,
  /** % of medical answers judged misaligned (score < 80); NaN where not measured. */
  medicalMisalignment: row.y_task,
  degenerate: row.degenerate,
}));

/** One run of the post's Pareto. */
export type PostParetoPoint = z.output<typeof PostParetoRowSchema>;

/** The file read: its provenance, its runs in file order, and their frontier. */
export interface PostPareto {
  /** The `#` comment lines, without the `#`: what the numbers are and where they come from. */
  provenance: string[];
  points: PostParetoPoint[];
  /** Runs measured on both axes, not degenerate, that no other run beats on both (by general alignment). */
  frontier: PostParetoPoint[];
}

/**
 * Parses the file's text (pure). Throws an `InputError` listing every problem as `line N, field F: …`.
 *
 * @example
 * ```ts
 * import { metrics } from "../../mod.ts";
 * const text = "# a note\nmethod,setting,x_general_alignment,y_task,degenerate\nnaive,no proxy,64.5,87.7,0\n";
 * const { points, provenance } = metrics.parsePostPareto(text, "mine.csv");
 * console.log(provenance[0], points[0]!.label, points[0]!.generalAlignment); // "a note" "naive no proxy" 64.5
 * ```
 */
export function parsePostPareto(text: string, source = "<csv>"): PostPareto {
  const provenance: string[] = [];
  const issues: string[] = [];
  const points: PostParetoPoint[] = [];
  const seen = new Map<string, number>();
  let header: string[] | undefined;
  for (const [i, content] of text.split(/\r?\n/).entries()) {
    const line = i + 1;
    if (content.trimStart().startsWith("#")) {
      provenance.push(content.trimStart().replace(/^#\s?/, ""));
      continue;
    }
    if (content.trim() === "") continue;
    const fields = parseCsv(content)[0] ?? [];
    if (!header) {
      header = fields.map((f) => f.trim());
      const known: readonly string[] = POST_PARETO_COLUMNS;
      for (const column of known.filter((c) => !header!.includes(c))) {
        issues.push(`line ${line} (header), field ${column}: missing column`);
      }
      for (const column of header.filter((c) => !known.includes(c))) {
        issues.push(`line ${line} (header), field ${column || "(empty)"}: unknown column`);
      }
      if (issues.length) break; // rows under a bad header would only repeat its problem
      continue;
    }
    if (fields.length !== header.length) {
      issues.push(`line ${line}: expected ${header.length} fields, got ${fields.length}`);
      continue;
    }
    const parsed = PostParetoRowSchema.safeParse(Object.fromEntries(header.map((c, j) => [c, fields[j]!])));
    if (!parsed.success) {
      for (const issue of parsed.error.issues) {
        issues.push(`line ${line}, field ${String(issue.path[0] ?? "(row)")}: ${issue.message}`);
      }
      continue;
    }
    const first = seen.get(parsed.data.label);
    if (first !== undefined) {
      issues.push(`line ${line}, field setting: "${parsed.data.label}" already appears on line ${first}`);
      continue;
    }
    seen.set(parsed.data.label, line);
    points.push(parsed.data);
  }
  if (!header) issues.push(`line 1, field method: no header line`);
  else if (!issues.length && !points.length) issues.push("(file): no runs after the header");
  if (issues.length) {
    throw new InputError(`Cannot read ${source}:`, issues, `Columns: ${POST_PARETO_COLUMNS.join(", ")}`);
  }
  return { provenance, points, frontier: originalFrontier(points) };
}

/**
 * Reads and parses a file of the post's runs (default: the shipped `data/post/post_em_pareto.csv`).
 *
 * @example
 * ```ts
 * import { metrics, plot } from "../../mod.ts";
 * const post = await metrics.loadPostPareto(); // no network, no checkout
 * await plot.show(plot.originalParetoFigure(post.points, post.frontier), plot.postParetoTable(post));
 * ```
 */
export async function loadPostPareto(path: string | URL = POST_PARETO_CSV): Promise<PostPareto> {
  const source = path instanceof URL ? fileURLToPath(path) : path;
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
    throw new InputError(`Cannot read ${source}:`, ["(file): no such file; check the path"]);
  }
  return parsePostPareto(text, source);
}
