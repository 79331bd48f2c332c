import { hashNumber } from './hash32.js';

const INITIAL_CAPACITY = 1 << 12;

/**
 * Exact counts of the distinct numbers of one batch: open addressing over float64 keys with linear probing, sized
 * by the number of distinct values (so a low-cardinality column stays in cache), not by the batch. The slot hash is
 * a cheap multiplicative one; `hashNumber` (the sketches' hash) is computed once per distinct value afterwards.
 */
export class NumberCounter {
  private keys = new Float64Array(INITIAL_CAPACITY);
  private counts = new Int32Array(INITIAL_CAPACITY);
  private mask = INITIAL_CAPACITY - 1;
  private readonly f64 = new Float64Array(1);
  private readonly u32 = new Uint32Array(this.f64.buffer);
  /** Distinct values of the last batch and their counts, in order of first appearance. */
  values = new Float64Array(0);
  valueCounts = new Int32Array(0);
  size = 0;

  /** Counts every non-NaN value (-0 is counted as 0). */
  count(input: Float64Array): void {
    this.counts.fill(0);
    let order = new Int32Array(Math.min(input.length, 1 << 16) || 1);
    let { keys, counts, mask } = this;
    const { f64, u32 } = this;
    let size = 0;
    for (let i = 0; i < input.length; i++) {
      let x = input[i]!;
      if (Number.isNaN(x)) continue;
      if (x === 0) x = 0;
      f64[0] = x;
      const h = Math.imul(u32[0]! ^ Math.imul(u32[1]!, 0x27d4eb2d), 0x9e3779b1);
      let slot = (h ^ (h >>> 15)) & mask;
      for (;;) {
        const c = counts[slot]!;
        if (c === 0) {
          keys[slot] = x;
          counts[slot] = 1;
          if (size === order.length) {
            const grown = new Int32Array(order.length * 2);
            grown.set(order);
            order = grown;
          }
          order[size++] = slot;
          if (size * 2 > mask) {
            this.rehash(order, size);
            ({ keys, counts, mask } = this);
          }
          break;
        }
        if (keys[slot] === x) {
          counts[slot] = c + 1;
          break;
        }
        slot = (slot + 1) & mask;
      }
    }
    this.values = new Float64Array(size);
    this.valueCounts = new Int32Array(size);
    for (let i = 0; i < size; i++) {
      this.values[i] = keys[order[i]!]!;
      this.valueCounts[i] = counts[order[i]!]!;
    }
    this.size = size;
  }

  /** Doubles the table, re-placing the occupied slots and rewriting `order` to their new positions. */
  private rehash(order: Int32Array, size: number): void {
    const oldKeys = this.keys;
    const oldCounts = this.counts;
    const capacity = oldKeys.length * 2;
    const keys = new Float64Array(capacity);
    const counts = new Int32Array(capacity);
    const mask = capacity - 1;
    const { f64, u32 } = this;
    for (let i = 0; i < size; i++) {
      const x = oldKeys[order[i]!]!;
      f64[0] = x;
      const h = Math.imul(u32[0]! ^ Math.imul(u32[1]!, 0x27d4eb2d), 0x9e3779b1);
      let slot = (h ^ (h >>> 15)) & mask;
      while (counts[slot] !== 0) slot = (slot + 1) & mask;
      keys[slot] = x;
      counts[slot] = oldCounts[order[i]!]!;
      order[i] = slot;
    }
    this.keys = keys;
    this.counts = counts;
    this.mask = mask;
  }

  /** The sketches' hash of the i-th distinct value. */
  hash(i: number): number {
    return hashNumber(this.values[i]!);
  }
}
