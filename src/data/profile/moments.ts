/**
 * Exact count, min, max, mean and the sum of squared deviations (m2) of numbers. A batch is summarised in two passes
 * (mean, then m2 around it, which is stable); summaries combine with Chan et al.'s pairwise update, so merging is
 * exact up to floating-point rounding.
 */
export interface Moments {
  count: number;
  min: number;
  max: number;
  mean: number;
  m2: number;
}

/** Moments of the non-NaN values, or undefined when there are none. */
export function momentsOf(values: Float64Array): Moments | undefined {
  let count = 0;
  let sum = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (Number.isNaN(x)) continue;
    count++;
    sum += x;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  if (count === 0) return undefined;
  const mean = sum / count;
  let m2 = 0;
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (Number.isNaN(x)) continue;
    const d = x - mean;
    m2 += d * d;
  }
  return { count, min, max, mean, m2 };
}

export function mergeMoments(a: Moments | null, b: Moments | null): Moments | null {
  if (!a) return b;
  if (!b) return a;
  const count = a.count + b.count;
  const delta = b.mean - a.mean;
  return {
    count,
    min: Math.min(a.min, b.min),
    max: Math.max(a.max, b.max),
    mean: a.mean + (delta * b.count) / count,
    m2: a.m2 + b.m2 + (delta * delta * a.count * b.count) / count,
  };
}
