/**
 * Text positions for point labels in a static image. Plotly places every label of a trace on the same side
 * of its marker, so labels of nearby points overprint each other; a PNG has no hover to fall back on. This
 * picks, point by point, the plotly `textposition` whose estimated text box overlaps least with the labels
 * already placed, the other markers and the plot's edge, and says when even the best place is crowded (the
 * caller may then leave that point unlabelled). Estimates, not measurements (no fonts here): a character is
 * taken as 0.6 em wide. Pure.
 *
 * @module
 */

/** Plotly's positions around a marker, in order of preference (beside first: it reads as a caption). */
const POSITIONS = [
  "middle right",
  "middle left",
  "top center",
  "bottom center",
  "top right",
  "bottom right",
  "top left",
  "bottom left",
] as const;

/** A plotly `textposition` for scatter text. */
export type TextPosition = typeof POSITIONS[number];

/** The plot area a label lives in: axis ranges in data units and their length in pixels. */
export interface LabelArea {
  xRange: readonly [number, number];
  yRange: readonly [number, number];
  /** Plot area (inside the axes) in pixels. */
  width: number;
  height: number;
  fontSize: number;
  /** Marker radius in pixels. */
  markerRadius: number;
}

/** A point to label; its error bars (half-widths in data units, if any) are kept clear like markers. */
export interface LabelledPoint {
  x: number;
  y: number;
  text: string;
  xError?: number;
  yError?: number;
}

/** Where a label goes, and whether even that place covers other labels, markers or the edge. */
export interface LabelPlacement {
  position: TextPosition;
  /** More than `CROWDED` of the label's box is covered. */
  crowded: boolean;
}

/** Share of a label's box that may be covered before its place counts as crowded. */
const CROWDED = 0.1;

interface Box {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

function overlap(a: Box, b: Box): number {
  const w = Math.min(a.x1, b.x1) - Math.max(a.x0, b.x0), h = Math.min(a.y1, b.y1) - Math.max(a.y0, b.y0);
  return w > 0 && h > 0 ? w * h : 0;
}

/** The text box for `position` around a marker centred at (cx, cy), in pixels with y pointing down. */
function textBox(position: TextPosition, cx: number, cy: number, w: number, h: number, r: number): Box {
  const [vertical, horizontal] = position.split(" ");
  const x0 = horizontal === "right" ? cx + r : horizontal === "left" ? cx - r - w : cx - w / 2;
  const y0 = vertical === "top" ? cy - r - h : vertical === "bottom" ? cy + r : cy - h / 2;
  return { x0, x1: x0 + w, y0, y1: y0 + h };
}

/**
 * One placement per point, in the points' order (earlier points get the better places). A point with empty
 * text only takes up room.
 *
 * @example
 * ```ts
 * import { labelPositions } from "./labels.ts";
 * const area = { xRange: [0, 1], yRange: [0, 1], width: 600, height: 400, fontSize: 11, markerRadius: 5 } as const;
 * // Two points close together: the second label goes elsewhere than the first's "middle right".
 * labelPositions([{ x: 0.5, y: 0.5, text: "first" }, { x: 0.5, y: 0.52, text: "second" }], area);
 * ```
 */
export function labelPositions(
  points: readonly LabelledPoint[],
  area: LabelArea,
): LabelPlacement[] {
  const px = (x: number) => (x - area.xRange[0]) / (area.xRange[1] - area.xRange[0]) * area.width;
  const py = (y: number) => (area.yRange[1] - y) / (area.yRange[1] - area.yRange[0]) * area.height;
  const r = area.markerRadius, h = area.fontSize * 1.2;
  const box = (x0: number, x1: number, y0: number, y1: number): Box => ({ x0, x1, y0, y1 });
  const markers: Box[] = points.map((p) => box(px(p.x) - r, px(p.x) + r, py(p.y) - r, py(p.y) + r));
  // Error bars as 2-pixel strips, each belonging to its point (a label may sit on its own bar, not another's).
  const bars: { owner: number; box: Box }[] = points.flatMap((p, owner) => [
    ...(p.xError
      ? [{ owner, box: box(px(p.x - p.xError), px(p.x + p.xError), py(p.y) - 1, py(p.y) + 1) }]
      : []),
    ...(p.yError
      ? [{ owner, box: box(px(p.x) - 1, px(p.x) + 1, py(p.y + p.yError), py(p.y - p.yError)) }]
      : []),
  ]);
  const plot: Box = { x0: 0, x1: area.width, y0: 0, y1: area.height };
  const placed: Box[] = [];
  return points.map((p, i) => {
    const w = p.text.length * area.fontSize * 0.6;
    let best: { position: TextPosition; box: Box; cost: number; covered: number } | undefined;
    for (const position of POSITIONS) {
      const text = textBox(position, px(p.x), py(p.y), w, h, r + 2);
      const labels = placed.reduce((s, b) => s + overlap(text, b), 0);
      const others = markers.reduce((s, m, j) => s + (j === i ? 0 : overlap(text, m)), 0) +
        bars.reduce((s, b) => s + (b.owner === i ? 0 : overlap(text, b.box)), 0);
      const outside = w * h - overlap(text, plot);
      // Covering another label is worst, hiding a marker or bar next, running off the plot last.
      const cost = 4 * labels + 2 * others + outside;
      if (!best || cost < best.cost) best = { position, box: text, cost, covered: labels + others + outside };
    }
    if (w > 0) placed.push(best!.box);
    return { position: best!.position, crowded: w > 0 && best!.covered > CROWDED * w * h };
  });
}
