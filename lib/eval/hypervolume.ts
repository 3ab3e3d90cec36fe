/**
 * The hypervolume of a frontier in the task × alignment square: the area that a method's points dominate
 * above a reference point (Zitzler & Thiele 1998, the "S metric"). One number per method, larger is better:
 * it grows when any point moves up or right, and a point below or left of the reference adds nothing. Pure.
 *
 * With points (tᵢ, aᵢ) and reference (t₀, a₀), the area of ∪ᵢ [t₀, tᵢ] × [a₀, aᵢ] over points with tᵢ > t₀ and
 * aᵢ > a₀. Swept in order of decreasing task: each point adds (tᵢ − t₀) · (aᵢ − best alignment so far).
 *
 * @module
 */

/** A point in the task × alignment square. */
export interface TaskAlignment {
  task: number;
  alignment: number;
}

/**
 * The area that `points` dominate above `reference` (0 when none is above and to the right of it). NaN
 * coordinates are refused: a point that was not measured cannot be placed.
 */
export function hypervolume(points: readonly TaskAlignment[], reference: TaskAlignment): number {
  const bad = [reference, ...points].find((p) => !Number.isFinite(p.task) || !Number.isFinite(p.alignment));
  if (bad) throw new Error(`Cannot take a hypervolume with a point at (${bad.task}, ${bad.alignment})`);
  const above = points.filter((p) => p.task > reference.task && p.alignment > reference.alignment)
    .toSorted((a, b) => b.task - a.task || b.alignment - a.alignment);
  let area = 0, ceiling = reference.alignment;
  for (const p of above) {
    if (p.alignment <= ceiling) continue;
    area += (p.task - reference.task) * (p.alignment - ceiling);
    ceiling = p.alignment;
  }
  return area;
}
