/**
 * Exponential moving average with TensorBoard's debiasing, so the first points are not pulled towards 0.
 * `weight` is in [0, 1): 0 is no smoothing. Non-finite values are passed through and do not disturb the average.
 */
export function smooth(values: readonly (number | null)[], weight: number): (number | null)[] {
  if (weight <= 0) return [...values];
  let last = 0;
  let count = 0;
  return values.map((v) => {
    if (v === null || !Number.isFinite(v)) return v;
    last = last * weight + (1 - weight) * v;
    count++;
    return last / (1 - weight ** count);
  });
}
