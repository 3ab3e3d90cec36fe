// Comparing a member's numbers with the same model's alone.

/** Largest |a − b| relative to the largest |b| (1e-6 floor). */
export function relativeGap(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let gap = 0, scale = 1e-6;
  for (let i = 0; i < b.length; i++) {
    gap = Math.max(gap, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return gap / scale;
}
