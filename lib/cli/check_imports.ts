/**
 * `deno task check`'s import-direction step: every file under `lib/` may import only from its own layer or
 * a lower one, so the library stays a stack that can be read (and tested) from the bottom up. The layers,
 * lowest first:
 *
 *   foundation (lib/backend.ts, lib/io/, lib/config/) ← data ← models ← train ← strategies ← eval
 *   ← experiments ← queue ← plot ← notebook ← cli
 *
 * Foundation modules may be imported by every layer and import only each other. `eval` (Pareto fronts,
 * statistics, PCA) sits above `strategies` so that a strategy never depends on how it will be scored;
 * `notebook` (what a notebook's first cell uses) sits above `plot`, and `cli` above all. Only relative
 * specifiers count (npm and node imports are not layers); `lib/` files in no layer are reported too, so a new
 * area has to be placed. This is a text scan, not a compiler: comments and template-literal text are blanked
 * first, so an import quoted in a doc comment is not an edge.
 *
 * Usage: `deno run --allow-read lib/cli/check_imports.ts [root]` (default: this repository). Exits 1 and
 * names every violation, else prints one line.
 *
 * @module
 */

/** The layers, lowest first: a file may import from its own layer or any earlier one. */
export const LAYERS = [
  "foundation",
  "data",
  "models",
  "train",
  "strategies",
  "eval",
  "experiments",
  "queue",
  "plot",
  "notebook",
  "cli",
] as const;

/** One layer of the library. */
export type Layer = typeof LAYERS[number];

/** Every relative import in `lib/`: importing file → imported files, both as root-relative paths. */
export type ImportGraph = ReadonlyMap<string, readonly string[]>;

/** One import against the direction, or one file in no layer. */
export interface Violation {
  from: string;
  /** The imported file; absent when `from` itself is in no layer. */
  to?: string;
  message: string;
}

const FOUNDATION = ["lib/backend.ts", "lib/io/", "lib/config/"];
const CODE = /\.(ts|tsx|js|mjs)$/;

/** The layer of a root-relative path such as `lib/data/rng.ts`; undefined outside every layer. */
export function layerOf(path: string): Layer | undefined {
  if (FOUNDATION.some((f) => f.endsWith("/") ? path.startsWith(f) : path === f)) return "foundation";
  const area = /^lib\/([^/]+)\//.exec(path)?.[1];
  return LAYERS.find((layer) => layer !== "foundation" && layer === area);
}

/**
 * Removes comments and template-literal text (keeping line breaks and ordinary strings) so that only real
 * statements remain. A `/` starts a regular expression where an operand is expected, the usual heuristic.
 */
export function stripComments(source: string): string {
  let out = "";
  let i = 0;
  let braces = 0;
  const templates: number[] = []; // brace depth at which each open `${` closes
  let last = ""; // last significant code character (or identifier) before the cursor
  const blank = (text: string) => text.replace(/[^\n]/g, " ");
  const template = () => { // from inside a template's text to past its closing backtick or into a `${`
    const start = i;
    while (i < source.length && source[i] !== "`") {
      if (source[i] === "\\") i += 2;
      else if (source[i] === "$" && source[i + 1] === "{") {
        out += blank(source.slice(start, i)) + "${";
        i += 2;
        templates.push(braces++);
        last = "{";
        return;
      } else i++;
    }
    out += blank(source.slice(start, i)) + "`";
    i++;
    last = "`";
  };
  while (i < source.length) {
    const c = source[i]!, next = source[i + 1];
    if (c === "/" && next === "/") {
      const end = source.indexOf("\n", i);
      const stop = end < 0 ? source.length : end;
      out += blank(source.slice(i, stop));
      i = stop;
    } else if (c === "/" && next === "*") {
      const end = source.indexOf("*/", i + 2);
      const stop = end < 0 ? source.length : end + 2;
      out += blank(source.slice(i, stop));
      i = stop;
    } else if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < source.length && source[j] !== c && source[j] !== "\n") j += source[j] === "\\" ? 2 : 1;
      out += source.slice(i, j + 1);
      i = j + 1;
      last = c;
    } else if (c === "`") {
      out += "`";
      i++;
      template();
    } else if (c === "/" && operandExpected(last)) {
      let j = i + 1, inClass = false;
      while (j < source.length && source[j] !== "\n" && (inClass || source[j] !== "/")) {
        if (source[j] === "\\") j++;
        else if (source[j] === "[") inClass = true;
        else if (source[j] === "]") inClass = false;
        j++;
      }
      out += source.slice(i, j + 1);
      i = j + 1;
      last = "/regex";
    } else if (c === "}" && templates.at(-1) === braces - 1) {
      templates.pop();
      braces--;
      out += "}";
      i++;
      template();
    } else {
      if (c === "{") braces++;
      else if (c === "}") braces--;
      const word = /^[\w$]+/.exec(source.slice(i, i + 32))?.[0];
      if (word) {
        out += word;
        i += word.length;
        last = word;
      } else {
        out += c;
        i++;
        if (!/\s/.test(c)) last = c;
      }
    }
  }
  return out;
}

const REGEX_AFTER_WORD = new Set([
  "return",
  "typeof",
  "case",
  "do",
  "else",
  "in",
  "of",
  "new",
  "delete",
  "void",
  "throw",
  "yield",
  "await",
]);

/** After `last`, does a `/` start a regular expression (rather than divide)? */
function operandExpected(last: string): boolean {
  if (last === "") return true;
  if (/^[\w$]/.test(last)) return REGEX_AFTER_WORD.has(last);
  return "(,=:[!&|?{};+-*%<>~^".includes(last);
}

/** `import … from "x"` and `export … from "x"`, `import type` and multi-line clauses included. */
const FROM = /^[ \t]*(?:import|export)\b[\w$\s{},*]*?\bfrom\s*(["'])([^"'\n]+)\1/gm;
/** `import "x"` for its side effects. */
const BARE = /^[ \t]*import\s*(["'])([^"'\n]+)\1/gm;
/** `import("x")` with a literal specifier. */
const DYNAMIC = /\bimport\s*\(\s*(["'])([^"'\n]+)\1\s*[,)]/g;

/** The relative module specifiers a source file imports or re-exports, in order of appearance. */
export function importSpecifiers(source: string): string[] {
  const code = stripComments(source);
  const found = [FROM, BARE, DYNAMIC].flatMap((pattern) =>
    [...code.matchAll(pattern)].map((m) => ({ at: m.index, specifier: m[2]! }))
  );
  return found
    .filter((f) => f.specifier.startsWith("./") || f.specifier.startsWith("../"))
    .sort((a, b) => a.at - b.at)
    .map((f) => f.specifier);
}

/** The root-relative path that `specifier`, imported by the root-relative file `from`, names. */
export function resolveSpecifier(from: string, specifier: string): string {
  return decodeURIComponent(new URL(specifier, `file:///${from}`).pathname).replace(/^\/+/, "");
}

/** Every import against the layer order in `graph`, and every file in it that belongs to no layer. */
export function violations(graph: ImportGraph): Violation[] {
  const order = LAYERS.join(" ← ");
  const found: Violation[] = [];
  for (const [from, targets] of [...graph].sort(([a], [b]) => a.localeCompare(b))) {
    const own = layerOf(from);
    if (own === undefined) {
      found.push({ from, message: `${from} is in no layer (place it in one of: ${order})` });
      continue;
    }
    for (const to of targets) {
      const theirs = layerOf(to);
      if (theirs === undefined) {
        if (!to.startsWith("lib/") && CODE.test(to)) {
          found.push({ from, to, message: `${from} imports ${to} (lib may not import outside lib/)` });
        }
        continue; // a lib file in no layer is reported as `from`; data files are not layers
      }
      if (LAYERS.indexOf(theirs) > LAYERS.indexOf(own)) {
        found.push({
          from,
          to,
          message: `${from} imports ${to} (${own} may not import ${theirs}: layers ${order})`,
        });
      }
    }
  }
  return found;
}

/** Reads every `.ts` file under `<root>/lib` and returns its relative imports. */
export async function importGraph(root: string): Promise<ImportGraph> {
  const graph = new Map<string, string[]>();
  const walk = async (dir: string) => {
    for await (const entry of Deno.readDir(`${root}/${dir}`)) {
      const path = `${dir}/${entry.name}`;
      if (entry.isDirectory) await walk(path);
      else if (entry.isFile && path.endsWith(".ts")) {
        const source = await Deno.readTextFile(`${root}/${path}`);
        graph.set(path, importSpecifiers(source).map((s) => resolveSpecifier(path, s)));
      }
    }
  };
  await walk("lib");
  return graph;
}

async function main(): Promise<void> {
  const root = Deno.args[0] ?? decodeURIComponent(new URL("../../", import.meta.url).pathname);
  const graph = await importGraph(root.replace(/\/+$/, ""));
  const found = violations(graph);
  for (const v of found) console.error(v.message);
  if (found.length > 0) {
    console.error(`${found.length} violation(s) of the layer order`);
    Deno.exitCode = 1;
  } else {
    const edges = [...graph.values()].reduce((n, targets) => n + targets.length, 0);
    console.log(`Imports follow the layer order (${graph.size} files, ${edges} relative imports)`);
  }
}

if (import.meta.main) await main();
