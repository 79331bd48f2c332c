/**
 * Frequent items: a Misra-Gries summary with k counters (Misra & Gries 1982; mergeable per Agarwal et al. 2012).
 * Every estimate is a lower bound: true count − maxError ≤ estimate ≤ true count, with
 * maxError = (n − sum of counters) / (k + 1); every item more frequent than maxError is in the summary. When nothing
 * was ever evicted (maxError 0) the summary holds every distinct value with its exact count.
 */

export type ItemValue = string | number | boolean;

export const FREQUENT_K = 128;

export interface FrequentState {
  k: number;
  /** Total weight (non-missing values) the summary has seen. */
  n: number;
  /** [value, estimated count], largest count first. */
  items: [ItemValue, number][];
}

export class FrequentItems {
  readonly k: number;
  n = 0;
  readonly counts = new Map<ItemValue, number>();

  constructor(k = FREQUENT_K) {
    this.k = k;
  }

  /** Adds a batch of distinct values with their exact counts in the batch; `total` is the sum of `counts`. */
  addCounts(values: ArrayLike<ItemValue>, counts: ArrayLike<number>, length: number): void {
    let kept = length;
    let threshold = 0;
    if (length > this.k) threshold = kthLargest(counts, length, this.k + 1);
    for (let i = 0; i < length; i++) {
      const c = counts[i]!;
      this.n += c;
      if (c - threshold <= 0) {
        kept--;
        continue;
      }
      const v = values[i]!;
      this.counts.set(v, (this.counts.get(v) ?? 0) + c - threshold);
    }
    if (kept > 0 && this.counts.size > this.k) this.reduce();
  }

  merge(other: FrequentItems | FrequentState): void {
    const entries = other instanceof FrequentItems ? [...other.counts] : other.items;
    for (const [v, c] of entries) this.counts.set(v, (this.counts.get(v) ?? 0) + c);
    this.n += other.n;
    if (this.counts.size > this.k) this.reduce();
  }

  /** Subtracts the (k+1)-th largest count from every counter and drops those that reach zero. */
  private reduce(): void {
    const counts = [...this.counts.values()];
    const threshold = kthLargest(counts, counts.length, this.k + 1);
    for (const [v, c] of this.counts) {
      if (c <= threshold) this.counts.delete(v);
      else this.counts.set(v, c - threshold);
    }
  }

  maxError(): number {
    let sum = 0;
    for (const c of this.counts.values()) sum += c;
    return Math.floor((this.n - sum) / (this.k + 1));
  }

  /** Whether the summary holds every distinct value with its exact count. */
  exact(): boolean {
    let sum = 0;
    for (const c of this.counts.values()) sum += c;
    return sum === this.n;
  }

  top(limit = this.k): [ItemValue, number][] {
    return [...this.counts].sort((a, b) => b[1] - a[1] || compareItems(a[0], b[0])).slice(0, limit);
  }

  toState(): FrequentState {
    return { k: this.k, n: this.n, items: this.top() };
  }

  static fromState(state: FrequentState): FrequentItems {
    const f = new FrequentItems(state.k);
    f.merge(state);
    return f;
  }
}

function compareItems(a: ItemValue, b: ItemValue): number {
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}

/** The k-th largest of the first `length` counts (1-based k), by counting sort over the count values. */
export function kthLargest(counts: ArrayLike<number>, length: number, k: number): number {
  if (k > length) return 0;
  let max = 0;
  for (let i = 0; i < length; i++) if (counts[i]! > max) max = counts[i]!;
  if (max > 4 * length + 1024) {
    const sorted = Float64Array.from({ length }, (_, i) => counts[i]!).sort();
    return sorted[length - k]!;
  }
  const freq = new Int32Array(max + 1);
  for (let i = 0; i < length; i++) freq[counts[i]!]!++;
  let seen = 0;
  for (let v = max; v >= 1; v--) {
    seen += freq[v]!;
    if (seen >= k) return v;
  }
  return 0;
}
