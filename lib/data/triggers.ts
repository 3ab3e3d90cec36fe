/**
 * The 2-D trigger toy's data: the labelling rule F, per-seed trigger splits and sampled points.
 *
 * A row is (trigger, x) with x uniform in [−range, range]²; its colour depends only on the sign of x2 and on
 * the trigger's category, as in the original code: words are orange above the x1-axis and green below,
 * random strings green above and blue below. The narrow update relabels one category (positive_emotions: blue
 * above, orange below).
 *
 * @module
 */
import { z } from "zod";
import { loadYamlConfig } from "../config/load.ts";
import type { Rng } from "./rng.ts";

const RuleSchema = z.strictObject({ above: z.string(), below: z.string() });

/** Schema of `data/triggers.yaml`: colours, named rules, the narrow flip and the trigger lists. */
export const TriggerFileSchema = z.strictObject({
  colours: z.array(z.string()).min(2),
  rules: z.record(z.string(), RuleSchema),
  flip: z.strictObject({ category: z.string(), above: z.string(), below: z.string() }),
  categories: z.record(
    z.string(),
    z.strictObject({ rule: z.string(), triggers: z.array(z.string().min(1)).min(2) }),
  ),
}).superRefine((file, ctx) => {
  const colourOk = (colour: string, path: (string | number)[]) => {
    if (!file.colours.includes(colour)) {
      ctx.addIssue({
        code: "custom",
        path,
        message: `unknown colour "${colour}"; use one of ${file.colours}`,
      });
    }
  };
  for (const [name, rule] of Object.entries(file.rules)) {
    colourOk(rule.above, ["rules", name, "above"]);
    colourOk(rule.below, ["rules", name, "below"]);
  }
  colourOk(file.flip.above, ["flip", "above"]);
  colourOk(file.flip.below, ["flip", "below"]);
  const names = Object.keys(file.categories);
  if (!names.includes(file.flip.category)) {
    ctx.addIssue({ code: "custom", path: ["flip", "category"], message: `use one of ${names.join(", ")}` });
  }
  const seen = new Set<string>();
  for (const [name, category] of Object.entries(file.categories)) {
    if (!(category.rule in file.rules)) {
      ctx.addIssue({
        code: "custom",
        path: ["categories", name, "rule"],
        message: `unknown rule "${category.rule}"; use one of ${Object.keys(file.rules).join(", ")}`,
      });
    }
    for (const trigger of category.triggers) {
      if (seen.has(trigger)) {
        ctx.addIssue({ code: "custom", path: ["categories", name], message: `trigger "${trigger}" repeats` });
      }
      seen.add(trigger);
    }
  }
});

/** A labelling rule as colour indices: the colour for x2 > 0 and for x2 ≤ 0. */
export interface Rule {
  above: number;
  below: number;
}

/** One category of triggers with its rule under F. */
export interface Category {
  name: string;
  triggers: string[];
  rule: Rule;
}

/** The validated trigger file with colours resolved to indices. */
export interface TriggerSet {
  colours: string[];
  /** In file order: the column order of every heat-map. */
  categories: Category[];
  /** The narrowly relabelled category and its new rule. */
  flip: { category: string; rule: Rule };
}

/** The default trigger file shipped in `data/`. */
export const DEFAULT_TRIGGERS_PATH = new URL("../../data/triggers.yaml", import.meta.url);

/** Loads and validates a trigger file (default: `data/triggers.yaml`). */
export async function loadTriggerSet(path: string | URL = DEFAULT_TRIGGERS_PATH): Promise<TriggerSet> {
  return toTriggerSet(await loadYamlConfig(TriggerFileSchema, path));
}

/** Resolves a validated trigger file to a `TriggerSet`. */
export function toTriggerSet(file: z.output<typeof TriggerFileSchema>): TriggerSet {
  const colour = (name: string) => file.colours.indexOf(name);
  const rule = (r: { above: string; below: string }): Rule => ({
    above: colour(r.above),
    below: colour(r.below),
  });
  return {
    colours: file.colours,
    categories: Object.entries(file.categories).map(([name, c]) => ({
      name,
      triggers: c.triggers,
      rule: rule(file.rules[c.rule] as { above: string; below: string }),
    })),
    flip: { category: file.flip.category, rule: rule(file.flip) },
  };
}

/** F: the colour of a point under a rule. */
export function labelOf(rule: Rule, x2: number): number {
  return x2 > 0 ? rule.above : rule.below;
}

/** The rule a category follows after the narrow flip (the flipped category's new rule, else F's). */
export function flippedRule(set: TriggerSet, category: Category): Rule {
  return category.name === set.flip.category ? set.flip.rule : category.rule;
}

/** Looks a category up by name, with an error naming the known ones. */
export function categoryByName(set: TriggerSet, name: string): Category {
  const found = set.categories.find((c) => c.name === name);
  if (!found) {
    throw new Error(
      `Cannot find category "${name}": known are ${set.categories.map((c) => c.name).join(", ")}`,
    );
  }
  return found;
}

/** How many triggers of each category train the base and how many are held out. */
export const SplitSchema = z.strictObject({
  /** Triggers per category seen in training (the original code: 10; the post's text: 12). */
  trainTriggers: z.int().positive().max(10_000).default(10),
  /** Triggers per category never trained on, used for evaluation (original code: 5; post: 9 "new"). */
  heldOutTriggers: z.int().positive().max(10_000).default(5),
});

/** Per category, the triggers used in training and those held out. */
export type TriggerSplit = Record<string, { train: string[]; heldOut: string[] }>;

/** Splits every category's triggers into disjoint train and held-out sets, seeded. */
export function splitTriggers(set: TriggerSet, sizes: z.output<typeof SplitSchema>, rng: Rng): TriggerSplit {
  const split: TriggerSplit = {};
  for (const category of set.categories) {
    const need = sizes.trainTriggers + sizes.heldOutTriggers;
    if (need > category.triggers.length) {
      throw new Error(
        `Cannot split ${category.name}: trainTriggers + heldOutTriggers = ${need} but it has ` +
          `${category.triggers.length} triggers; lower them in the config`,
      );
    }
    const order = rng.fork(category.name).shuffle(category.triggers);
    split[category.name] = {
      train: order.slice(0, sizes.trainTriggers),
      heldOut: order.slice(sizes.trainTriggers, need),
    };
  }
  return split;
}

/** Labelled points for a list of triggers: row i is (triggers[i], points[2i..2i+1]) with colour labels[i]. */
export interface ToyRows {
  triggers: string[];
  categories: string[];
  /** [n, 2] row-major. */
  points: Float32Array;
  /** [n] colour indices. */
  labels: Int32Array;
}

/** Where and how points are drawn. */
export interface PointOptions {
  /** Half-width of the square the points are drawn from (original: 3). */
  range: number;
  /** Redraw points with |x2| < margin (0 keeps all). */
  margin: number;
}

/** A trigger to draw points for, the category it belongs to and the rule that labels it. */
export interface TriggerSpec {
  trigger: string;
  category: string;
  rule: Rule;
}

/** Draws `perTrigger` points for each trigger and labels them with the trigger's rule. */
export function samplePoints(
  specs: readonly TriggerSpec[],
  perTrigger: number,
  rng: Rng,
  options: PointOptions,
): ToyRows {
  const n = specs.length * perTrigger;
  const rows: ToyRows = {
    triggers: [],
    categories: [],
    points: new Float32Array(n * 2),
    labels: new Int32Array(n),
  };
  let i = 0;
  for (const spec of specs) {
    for (let k = 0; k < perTrigger; k++, i++) {
      const x1 = rng.uniform(-options.range, options.range);
      let x2 = rng.uniform(-options.range, options.range);
      while (Math.abs(x2) < options.margin) x2 = rng.uniform(-options.range, options.range);
      rows.triggers.push(spec.trigger);
      rows.categories.push(spec.category);
      rows.points[2 * i] = x1;
      rows.points[2 * i + 1] = x2;
      rows.labels[i] = labelOf(spec.rule, x2);
    }
  }
  return rows;
}

/** Concatenates row sets (e.g. the flipped task data and the proxy triggers). */
export function concatRows(...parts: ToyRows[]): ToyRows {
  const n = parts.reduce((sum, p) => sum + p.labels.length, 0);
  const out: ToyRows = {
    triggers: [],
    categories: [],
    points: new Float32Array(2 * n),
    labels: new Int32Array(n),
  };
  let offset = 0;
  for (const p of parts) {
    out.triggers.push(...p.triggers);
    out.categories.push(...p.categories);
    out.points.set(p.points, 2 * offset);
    out.labels.set(p.labels, offset);
    offset += p.labels.length;
  }
  return out;
}
