import { describe, expect, it } from 'vitest';
import type { ColumnProfile } from '../../src/data/profile/column-profile.js';
import { HLL_RELATIVE_ERROR } from '../../src/data/profile/hll.js';
import { type DataProfile, mergeProfiles, profileBatches } from '../../src/data/profile/profile.js';
import { stringColumn } from '../../src/data/table/infer.js';
import type { Batch, Column } from '../../src/data/table/types.js';
import { seeded } from './fixtures.js';

/** A random table: a skewed int column, a float column with missing values, a categorical string, a timestamp. */
function randomRows(seed: number, n: number) {
  const r = seeded(seed);
  const ints = new Float64Array(n);
  const floats = new Float64Array(n);
  const times = new Float64Array(n);
  const cats: (string | null)[] = [];
  for (let i = 0; i < n; i++) {
    ints[i] = Math.floor(r() ** 3 * 500) - 50;
    floats[i] = r() < 0.07 ? Number.NaN : (r() - 0.5) * 1e4 + (r() < 0.01 ? 1e6 : 0);
    times[i] = 1.7e12 + Math.floor(r() * 1e9);
    const c = Math.floor(-Math.log(1 - r()) * 8);
    cats.push(r() < 0.03 ? null : `cat-${c}`);
  }
  return { ints, floats, times, cats };
}

function batch(rows: ReturnType<typeof randomRows>, from: number, to: number, withTimes = true): Batch {
  const columns: Column[] = [
    { name: 'i', type: 'int', values: rows.ints.slice(from, to) },
    { name: 'f', type: 'float', values: rows.floats.slice(from, to) },
    stringColumn('c', rows.cats.slice(from, to)),
  ];
  if (withTimes) columns.push({ name: 't', type: 'timestamp', values: rows.times.slice(from, to) });
  return { columns, numRows: to - from, rowOffset: from };
}

/** Random cut points splitting [0, n) into `parts` non-empty pieces. */
function cuts(seed: number, n: number, parts: number): number[] {
  const r = seeded(seed * 7 + 1);
  const set = new Set<number>();
  while (set.size < parts - 1) set.add(1 + Math.floor(r() * (n - 1)));
  return [0, ...[...set].sort((a, b) => a - b), n];
}

const column = (p: DataProfile, name: string) => p.columns.find((c) => c.name === name)!;

function expectExactEqual(merged: ColumnProfile, whole: ColumnProfile) {
  expect(merged.type).toBe(whole.type);
  expect(merged.count).toBe(whole.count);
  expect(merged.missing).toBe(whole.missing);
  expect(merged.typeCounts).toEqual(whole.typeCounts);
  if (whole.numeric) {
    expect(merged.numeric!.count).toBe(whole.numeric.count);
    expect(merged.numeric!.min).toBe(whole.numeric.min);
    expect(merged.numeric!.max).toBe(whole.numeric.max);
    // Mean and variance are exact up to floating-point rounding (relative 1e-12 and 1e-9).
    expect(Math.abs(merged.numeric!.mean - whole.numeric.mean)).toBeLessThanOrEqual(
      1e-12 * Math.abs(whole.numeric.mean) + 1e-12,
    );
    expect(
      Math.abs(merged.summary.variance! - whole.summary.variance!) / whole.summary.variance!,
    ).toBeLessThan(1e-9);
  } else expect(merged.numeric).toBeNull();
  // Register-wise maximum: the distinct-count sketch of a union equals the merge of the sketches exactly.
  expect(merged.distinct).toEqual(whole.distinct);
}

function expectSketchesWithinError(p: ColumnProfile, values: number[] | (string | null)[]) {
  const present = values.filter((v) => v !== null && !(typeof v === 'number' && Number.isNaN(v)));
  // Distinct count: HyperLogLog, within 3 standard errors.
  const distinct = new Set(present).size;
  expect(Math.abs(p.summary.distinct - distinct)).toBeLessThanOrEqual(3 * HLL_RELATIVE_ERROR * distinct + 1);
  // Frequent items: each estimate is a lower bound at most maxError below the truth; every item above maxError is kept.
  const truth = new Map<string | number, number>();
  for (const v of present) truth.set(v as string | number, (truth.get(v as string | number) ?? 0) + 1);
  const maxError = p.summary.errors.frequentCount;
  const kept = new Map(p.frequent.items.map(([v, c]) => [v as string | number, c]));
  for (const [v, c] of kept) {
    expect(c).toBeLessThanOrEqual(truth.get(v)!);
    expect(c).toBeGreaterThanOrEqual(truth.get(v)! - maxError);
  }
  for (const [v, c] of truth) if (c > maxError) expect(kept.has(v), `${v} (${c} > ${maxError})`).toBe(true);
  if (typeof present[0] !== 'number') return;
  // Quantiles: the returned value's true rank is within the stated rank error of q.
  const sorted = Float64Array.from(present as number[]).sort();
  const n = sorted.length;
  const eps = p.summary.errors.quantileRank;
  for (const { q, value } of p.summary.quantiles) {
    let below = 0;
    while (below < n && sorted[below]! < value) below++;
    let atOrBelow = below;
    while (atOrBelow < n && sorted[atOrBelow] === value) atOrBelow++;
    expect(atOrBelow / n, `q=${q}`).toBeGreaterThanOrEqual(q - eps);
    expect(below / n, `q=${q}`).toBeLessThanOrEqual(q + eps);
  }
  // Histogram: counts add up to n, and each bin is within its stated error.
  const h = p.summary.histogram!;
  expect(h.counts.reduce((a, b) => a + b, 0)).toBe(n);
  h.counts.forEach((count, b) => {
    const lo = h.edges[b]!;
    const hi = h.edges[b + 1]!;
    const last = b === h.counts.length - 1;
    const exact = sorted.filter((v) => v >= lo && (last ? v <= hi : v < hi)).length;
    expect(Math.abs(count - exact), `bin ${b}`).toBeLessThanOrEqual(p.summary.errors.histogramCount);
  });
}

describe('profile merge: profile(A ∪ B) = merge(profile(A), profile(B))', () => {
  for (const [seed, n, parts] of [
    [1, 40_000, 2],
    [2, 60_000, 3],
    [3, 25_000, 5],
    [4, 80_000, 4],
  ] as const) {
    it(`seed ${seed}: ${n} rows split at random into ${parts} batches`, async () => {
      const rows = randomRows(seed, n);
      const whole = await profileBatches([batch(rows, 0, n)]);
      const c = cuts(seed, n, parts);
      const pieces = await Promise.all(c.slice(1).map((end, i) => profileBatches([batch(rows, c[i]!, end)])));
      // Merge in a random tree shape, not just left to right.
      const r = seeded(seed + 99);
      const queue = [...pieces];
      while (queue.length > 1) {
        const i = Math.floor(r() * (queue.length - 1));
        queue.splice(i, 2, mergeProfiles(queue[i]!, queue[i + 1]!));
      }
      const merged = queue[0]!;
      expect(merged.rows).toBe(n);
      expect(merged.columns.map((x) => x.name)).toEqual(['i', 'f', 'c', 't']);
      for (const name of ['i', 'f', 'c', 't']) expectExactEqual(column(merged, name), column(whole, name));
      expectSketchesWithinError(column(merged, 'i'), [...rows.ints]);
      expectSketchesWithinError(column(merged, 'f'), [...rows.floats]);
      expectSketchesWithinError(column(merged, 't'), [...rows.times]);
      expectSketchesWithinError(column(merged, 'c'), rows.cats);
      // Sketches of the unsplit data obey the same bounds.
      expectSketchesWithinError(column(whole, 'i'), [...rows.ints]);
      // The profile is plain JSON: it survives a round trip unchanged.
      expect(JSON.parse(JSON.stringify(merged))).toEqual(merged);
    });
  }

  it('treats a column absent from one side as missing in its rows', async () => {
    const rows = randomRows(5, 3000);
    const a = await profileBatches([batch(rows, 0, 1000, false)]);
    const b = await profileBatches([batch(rows, 1000, 3000)]);
    const merged = mergeProfiles(a, b);
    const t = column(merged, 't');
    expect(t.count).toBe(3000);
    expect(t.missing).toBe(1000);
    expect(t.numeric!.count).toBe(2000);
  });

  it('merges with an empty profile as the identity on exact fields', async () => {
    const rows = randomRows(6, 5000);
    const p = await profileBatches([batch(rows, 0, 5000)]);
    const empty = await profileBatches([]);
    const merged = mergeProfiles(empty, p);
    for (const name of ['i', 'f', 'c', 't']) expectExactEqual(column(merged, name), column(p, name));
  });
});
