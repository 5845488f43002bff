/**
 * The one binary search over sorted interval starts: index of the last start at or below key.
 * Intervals here always begin at the bottom of their space (start[0] is the lowest key), so the
 * answer exists. Not for the per-flow hot path, which inlines its own typed-array searches.
 */
export function lastAtOrBelow<T extends number | bigint>(starts: ArrayLike<T>, key: T): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (starts[mid]! <= key) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
