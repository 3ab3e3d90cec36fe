/**
 * Pareto frontier of (alignment, task) points, both to be maximised. Pure.
 *
 * @module
 */

/** A point with two objectives to maximise. */
export interface Scored {
  alignment: { mean: number };
  task: { mean: number };
}

/** True when a is at least as good as b on both axes and better on one. */
export function dominates(a: Scored, b: Scored): boolean {
  const ax = a.alignment.mean, ay = a.task.mean, bx = b.alignment.mean, by = b.task.mean;
  return ax >= bx && ay >= by && (ax > bx || ay > by);
}

/** The non-dominated points, sorted by alignment (ties: first occurrence kept). */
export function paretoFrontier<T extends Scored>(points: readonly T[]): T[] {
  return points
    .filter((p, i) =>
      !points.some((q, j) =>
        dominates(q, p) || (j < i && q.alignment.mean === p.alignment.mean && q.task.mean === p.task.mean)
      )
    )
    .sort((a, b) => a.alignment.mean - b.alignment.mean);
}
