import { nextRandom } from './hash32.js';

/**
 * KLL quantile sketch (Karnin, Lang, Liberty 2016) in the lazy form of Apache DataSketches: levels of compactors,
 * level h holding items of weight 2^h, capacity max(8, ceil(k·(2/3)^depth)); when the sketch is full, the lowest
 * full level is sorted and every other item (odd or even, at random) moves up with double weight. The total weight
 * always equals n, min and max are kept exactly.
 *
 * Rank error: with k = 256 the normalized rank error is at most 1.05% with 99% confidence (DataSketches' fitted
 * bound 2.296 / k^0.9723 for single-rank queries), for streamed and merged sketches alike.
 */

export const KLL_K = 256;
const MIN_WIDTH = 8;

export function kllRankError(k: number): number {
  return 2.296 / k ** 0.9723;
}

/** The plain form: levels[h] holds the items of weight 2^h. */
export interface KllState {
  k: number;
  n: number;
  min: number;
  max: number;
  levels: number[][];
}

export class Kll {
  readonly k: number;
  n = 0;
  min = Number.POSITIVE_INFINITY;
  max = Number.NEGATIVE_INFINITY;
  private levels: Float64Array[] = [new Float64Array(64)];
  private sizes: number[] = [0];
  private total = 0;
  private caps: number[] = [];
  private capTotal = 0;
  private random: number;

  constructor(k = KLL_K, seed = 0x1234567) {
    this.k = k;
    this.random = seed >>> 0 || 1;
    this.updateCapacities();
  }

  /** Capacities depend only on the number of levels, so they are computed when a level is added. */
  private updateCapacities(): void {
    const top = this.levels.length - 1;
    this.caps = this.levels.map((_, h) => Math.max(MIN_WIDTH, Math.ceil(this.k * (2 / 3) ** (top - h))));
    this.capTotal = this.caps.reduce((a, b) => a + b, 0);
  }

  private addLevel(): void {
    this.levels.push(new Float64Array(64));
    this.sizes.push(0);
    this.updateCapacities();
  }

  update(x: number): void {
    if (x < this.min) this.min = x;
    if (x > this.max) this.max = x;
    this.n++;
    this.push(0, x);
    if (++this.total >= this.capTotal) this.compress();
  }

  /** Adds every non-NaN value of `values`. */
  updateMany(values: Float64Array): void {
    let min = this.min;
    let max = this.max;
    let buf = this.levels[0]!;
    let size = this.sizes[0]!;
    for (let i = 0; i < values.length; i++) {
      const x = values[i]!;
      if (Number.isNaN(x)) continue;
      if (x < min) min = x;
      if (x > max) max = x;
      if (size === buf.length) {
        this.sizes[0] = size;
        buf = this.grow(0);
      }
      buf[size++] = x;
      this.n++;
      if (++this.total >= this.capTotal) {
        this.sizes[0] = size;
        this.compress();
        buf = this.levels[0]!;
        size = this.sizes[0]!;
      }
    }
    this.sizes[0] = size;
    this.min = min;
    this.max = max;
  }

  /**
   * Adds value i with weight counts[i] for each i < size: the weight is split into its binary digits and each
   * digit h places one item of weight 2^h at level h. Identical copies compact without error, so this equals
   * inserting every copy, at a cost per distinct value instead of per value.
   */
  updateWeighted(values: Float64Array, counts: Int32Array, size: number): void {
    for (let i = 0; i < size; i++) {
      const x = values[i]!;
      let w = counts[i]!;
      if (w <= 0) continue;
      if (x < this.min) this.min = x;
      if (x > this.max) this.max = x;
      this.n += w;
      for (let h = 0; w > 0; h++, w >>>= 1) {
        if ((w & 1) === 0) continue;
        while (h >= this.levels.length) this.addLevel();
        this.push(h, x);
        this.total++;
      }
      while (this.total >= this.capTotal) this.compress();
    }
  }

  private push(level: number, x: number): void {
    let buf = this.levels[level]!;
    if (this.sizes[level] === buf.length) buf = this.grow(level);
    buf[this.sizes[level]!++] = x;
  }

  private grow(level: number): Float64Array {
    const old = this.levels[level]!;
    const next = new Float64Array(old.length * 2);
    next.set(old);
    this.levels[level] = next;
    return next;
  }

  /** Compacts the lowest level that is at or over its capacity (one exists whenever the sketch is full). */
  private compress(): void {
    for (let h = 0; h < this.levels.length; h++) {
      if (this.sizes[h]! >= this.caps[h]!) {
        if (h + 1 === this.levels.length) this.addLevel();
        this.compact(h);
        return;
      }
    }
  }

  private compact(h: number): void {
    const size = this.sizes[h]!;
    const buf = this.levels[h]!;
    const items = buf.subarray(0, size);
    if (size <= 32) insertionSort(items);
    else items.sort();
    // An odd item stays behind at this level; the rest halve.
    const start = size & 1;
    this.random = nextRandom(this.random);
    const offset = this.random & 1;
    for (let i = start + offset; i < size; i += 2) this.push(h + 1, items[i]!);
    this.sizes[h] = start;
    this.total -= (size - start) >>> 1;
  }

  /** Adds another sketch's items to this one (the sketch of the union of both streams). */
  merge(other: Kll | KllState): void {
    const state = other instanceof Kll ? other.toState() : other;
    if (state.n === 0) return;
    while (this.levels.length < state.levels.length) this.addLevel();
    state.levels.forEach((items, h) => {
      for (const x of items) this.push(h, x);
      this.total += items.length;
    });
    this.n += state.n;
    if (state.min < this.min) this.min = state.min;
    if (state.max > this.max) this.max = state.max;
    while (this.total >= this.capTotal) this.compress();
  }

  /** Items with their weights, sorted by value. */
  sortedView(): { values: Float64Array; cumulative: Float64Array } {
    const count = this.sizes.reduce((a, b) => a + b, 0);
    const values = new Float64Array(count);
    const weights = new Float64Array(count);
    let at = 0;
    this.levels.forEach((buf, h) => {
      for (let i = 0; i < this.sizes[h]!; i++) {
        values[at] = buf[i]!;
        weights[at++] = 2 ** h;
      }
    });
    const order = Array.from({ length: count }, (_, i) => i).sort((a, b) => values[a]! - values[b]!);
    const sorted = new Float64Array(count);
    const cumulative = new Float64Array(count);
    let sum = 0;
    order.forEach((i, j) => {
      sorted[j] = values[i]!;
      sum += weights[i]!;
      cumulative[j] = sum;
    });
    return { values: sorted, cumulative };
  }

  /** The value at normalized rank q (0 → min, 1 → max). */
  quantiles(qs: readonly number[]): number[] {
    if (this.n === 0) return qs.map(() => Number.NaN);
    const { values, cumulative } = this.sortedView();
    return qs.map((q) => {
      if (q <= 0) return this.min;
      if (q >= 1) return this.max;
      const target = q * this.n;
      let lo = 0;
      let hi = values.length - 1;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (cumulative[mid]! >= target) hi = mid;
        else lo = mid + 1;
      }
      return values[lo]!;
    });
  }

  /** Fraction of the weight at or below x. */
  rank(x: number): number {
    if (this.n === 0) return Number.NaN;
    let below = 0;
    this.levels.forEach((buf, h) => {
      for (let i = 0; i < this.sizes[h]!; i++) if (buf[i]! <= x) below += 2 ** h;
    });
    return below / this.n;
  }

  toState(): KllState {
    return {
      k: this.k,
      n: this.n,
      min: this.n ? this.min : 0,
      max: this.n ? this.max : 0,
      levels: this.levels.map((buf, h) => Array.from(buf.subarray(0, this.sizes[h]!))),
    };
  }

  static fromState(state: KllState): Kll {
    const kll = new Kll(state.k, (state.n * 2654435761) >>> 0);
    kll.merge(state);
    return kll;
  }
}

function insertionSort(a: Float64Array): void {
  for (let i = 1; i < a.length; i++) {
    const x = a[i]!;
    let j = i - 1;
    while (j >= 0 && a[j]! > x) {
      a[j + 1] = a[j]!;
      j--;
    }
    a[j + 1] = x;
  }
}
