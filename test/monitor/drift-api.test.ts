import { describe, expect, it } from 'vitest';
import { profileBatches } from '../../src/data/profile/profile.js';
import type { Batch, Column } from '../../src/data/table/types.js';
import {
  columnDrift,
  DriftError,
  type DriftInput,
  datasetDrift,
  defaultMethod,
  driftInputFromProfile,
  driftInputsFromBatches,
  OTHER_VALUES,
} from '../../src/monitor/drift/index.js';
import { numericSample, sortFloat64 } from '../../src/monitor/drift/sample.js';
import { normals, pick, Random } from './support.js';

const num = (
  values: ArrayLike<number>,
  extra: Partial<Extract<DriftInput, { kind: 'numeric' }>> = {},
): DriftInput => ({
  kind: 'numeric',
  values: Float64Array.from(values),
  ...extra,
});
const cat = (entries: Record<string, number>, missing = 0): DriftInput => ({
  kind: 'categorical',
  counts: new Map(Object.entries(entries)),
  missing,
});
const range = <T = number>(n: number, f: (i: number) => T): T[] => Array.from({ length: n }, (_, i) => f(i));

function driftError(fn: () => unknown): DriftError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DriftError) return err;
    throw err;
  }
  throw new Error('expected a DriftError');
}

describe('default test selection (Evidently _get_default_stattest)', () => {
  it.each([
    ['numeric', 1000, 6, 'ks'],
    ['numeric', 1000, 5, 'chisquare'],
    ['numeric', 1000, 3, 'chisquare'],
    ['numeric', 1000, 2, 'z'],
    ['categorical', 1000, 3, 'chisquare'],
    ['categorical', 10, 2, 'z'],
    ['numeric', 1001, 6, 'wasserstein'],
    ['numeric', 1001, 5, 'jensenshannon'],
    ['categorical', 1001, 2, 'jensenshannon'],
    ['categorical', 50000, 300, 'jensenshannon'],
  ] as const)('%s column, %i reference values, %i distinct → %s', (kind, size, distinct, method) => {
    expect(defaultMethod(kind, size, distinct)).toBe(method);
  });

  it('counts reference values without the missing ones, and distinct values over both sides', () => {
    const ref = num([...range(1000, (i) => i % 7), Number.NaN, Number.NaN, Number.POSITIVE_INFINITY]);
    const small = columnDrift('x', ref, num(range(50, (i) => i % 7)));
    expect(small).toMatchObject({
      method: 'ks',
      referenceSize: 1000,
      referenceMissing: 3,
      distinctValues: 7,
    });
    const large = columnDrift('x', num(range(1001, (i) => i % 7)), num([1, 2]));
    expect(large.method).toBe('wasserstein');
    // 4 values in the reference plus 1 new one in the current: 5 distinct → chi-square, not KS.
    expect(columnDrift('x', num(range(500, (i) => i % 4)), num([9, 1, 2])).method).toBe('chisquare');
    expect(columnDrift('x', cat({ a: 5, b: 5 }), cat({ a: 3, c: 1 })).method).toBe('chisquare');
  });

  it("uses each method's default threshold and Evidently's verdict rule", () => {
    const ref = num(range(200, (i) => i));
    const cur = num(range(200, (i) => i + 25));
    const ks = columnDrift('x', ref, cur);
    expect(ks).toMatchObject({ method: 'ks', threshold: 0.05 });
    // KS drifts at p ≤ threshold, chi-square and z at p < threshold, distances at statistic ≥ threshold.
    expect(columnDrift('x', ref, cur, { method: 'ks', threshold: ks.pValue! }).drifted).toBe(true);
    const chi = columnDrift('x', cat({ a: 60, b: 40, c: 10 }), cat({ a: 50, b: 50, c: 10 }));
    expect(chi.method).toBe('chisquare');
    expect(
      columnDrift('x', cat({ a: 60, b: 40, c: 10 }), cat({ a: 50, b: 50, c: 10 }), { threshold: chi.pValue! })
        .drifted,
    ).toBe(false);
    const psi = columnDrift('x', ref, cur, { method: 'psi' });
    expect(psi.threshold).toBe(0.1);
    expect(columnDrift('x', ref, cur, { method: 'psi', threshold: psi.statistic }).drifted).toBe(true);
    expect(columnDrift('x', ref, cur, { method: 'psi', threshold: psi.statistic * 1.0001 }).drifted).toBe(
      false,
    );
    for (const method of ['wasserstein', 'jensenshannon', 'kl_div', 'hellinger', 'linf'] as const)
      expect(columnDrift('x', ref, cur, { method }).threshold).toBe(0.1);
  });

  it('states the convention of every result', () => {
    const ref = num(normals(new Random(1), 3000, 0, 1));
    const cur = num(normals(new Random(2), 3000, 0.5, 1));
    expect(columnDrift('x', ref, cur, { method: 'psi' }).convention).toMatch(
      /^PSI = Σ \(ref% − cur%\)·ln\(ref%\/cur%\), natural log, over 14 equal-width bins over both samples .*empty bins set to 1e-4.*drift when the statistic ≥ threshold$/,
    );
    expect(columnDrift('x', ref, cur, { method: 'jensenshannon' }).convention).toContain('natural log');
    expect(columnDrift('x', ref, cur).convention).toMatch(
      /Wasserstein-1 .*population standard deviation.*default test/,
    );
    expect(columnDrift('x', ref, cur, { method: 'ks' }).convention).toContain('exact p-value');
    const bigger = num(normals(new Random(3), 12000, 0, 1));
    expect(columnDrift('x', bigger, cur, { method: 'ks' }).convention).toContain('asymptotic p-value');
  });
});

describe('dataset drift', () => {
  const same = num(range(300, (i) => i % 50));
  const shifted = num(range(300, (i) => (i % 50) + 30));
  it('is drifted when the share of drifted columns is ≥ 0.5', () => {
    const ref = new Map([
      ['a', same],
      ['b', same],
      ['c', same],
      ['d', same],
    ]);
    const half = datasetDrift(
      ref,
      new Map([
        ['a', shifted],
        ['b', shifted],
        ['c', same],
        ['d', same],
      ]),
    );
    expect(half).toMatchObject({
      driftedColumns: 2,
      share: 0.5,
      shareThreshold: 0.5,
      drifted: true,
      skipped: [],
    });
    expect(half.columns.map((c) => [c.column, c.drifted])).toEqual([
      ['a', true],
      ['b', true],
      ['c', false],
      ['d', false],
    ]);
    const quarter = datasetDrift(
      ref,
      new Map([
        ['a', shifted],
        ['b', same],
        ['c', same],
        ['d', same],
      ]),
    );
    expect(quarter).toMatchObject({ driftedColumns: 1, share: 0.25, drifted: false });
    expect(
      datasetDrift(ref, new Map([...ref].map(([k]) => [k, k === 'a' ? shifted : same])), {
        shareThreshold: 0.25,
      }).drifted,
    ).toBe(true);
  });

  it('takes one method, per-column methods and thresholds, and a column list', () => {
    const ref = new Map([
      ['a', same],
      ['b', same],
      ['c', cat({ x: 10, y: 10 })],
    ]);
    const cur = new Map([
      ['a', shifted],
      ['b', same],
      ['c', cat({ x: 12, y: 8 })],
    ]);
    const r = datasetDrift(ref, cur, { method: 'psi', methods: { b: 'hellinger' }, thresholds: { a: 5 } });
    expect(r.columns.map((c) => [c.column, c.method, c.threshold])).toEqual([
      ['a', 'psi', 5],
      ['b', 'hellinger', 0.1],
      ['c', 'psi', 0.1],
    ]);
    const some = datasetDrift(ref, cur, { columns: ['c', 'a', 'c'] });
    expect(some.columns.map((c) => c.column)).toEqual(['c', 'a']);
  });

  it('skips, with a reason, what cannot be tested', () => {
    const ref = new Map<string, DriftInput>([
      ['ok', same],
      ['only_ref', same],
      ['empty_cur', same],
      ['all_missing', num([Number.NaN, Number.NaN])],
      ['mixed', same],
      ['ids', cat(Object.fromEntries(range(20000, (i) => [`id${i}`, 1])))],
      [
        'when',
        num(
          range(300, (i) => 1.7e12 + i * 1000),
          { timestamp: true },
        ),
      ],
      ['word', cat({ a: 3, b: 4 })],
    ]);
    const cur = new Map<string, DriftInput>([
      ['ok', same],
      ['only_cur', same],
      ['empty_cur', num([])],
      ['all_missing', num(range(10, (i) => i))],
      ['mixed', cat({ a: 1 })],
      ['ids', cat(Object.fromEntries(range(20000, (i) => [`id${i + 20000}`, 1])))],
      [
        'when',
        num(
          range(300, (i) => 1.8e12 + i * 1000),
          { timestamp: true },
        ),
      ],
      ['word', cat({ a: 4, b: 3 })],
    ]);
    const r = datasetDrift(ref, cur, { method: 'wasserstein' });
    expect(r.columns.map((c) => c.column)).toEqual(['ok']);
    expect(r).toMatchObject({ driftedColumns: 0, share: 0, drifted: false });
    expect(Object.fromEntries(r.skipped.map((s) => [s.column, s.code]))).toEqual({
      only_ref: 'missing-column',
      only_cur: 'missing-column',
      empty_cur: 'empty-current',
      all_missing: 'empty-reference',
      mixed: 'type-mismatch',
      ids: 'too-many-categories',
      when: 'timestamp-column',
      word: 'method-not-applicable',
    });
    const reasons = Object.fromEntries(r.skipped.map((s) => [s.column, s.reason]));
    expect(reasons).toEqual({
      only_ref: 'column "only_ref" is only in the reference data.',
      only_cur: 'column "only_cur" is only in the current data.',
      empty_cur:
        'column "empty_cur" has no non-missing values in the current data (0 missing); there is nothing to test.',
      all_missing:
        'column "all_missing" has no non-missing values in the reference (2 missing); there is nothing to compare against.',
      mixed:
        'column "mixed" is numeric in the reference but categorical in the current data; both sides must hold the same kind of values.',
      ids: 'column "ids" has 40,000 distinct values (more than maxCategories = 10,000); it looks like an identifier or free text. Raise maxCategories to test it anyway.',
      when: 'column "when" holds timestamps, which move with time rather than drift; name it in columns to test it anyway.',
      word: expect.stringMatching(
        /^method wasserstein needs numbers, but column "word" is categorical; use one of chisquare, z, /,
      ),
    });
    // Named columns are tested: a timestamp column, and identifiers once the limit allows them.
    const named = datasetDrift(ref, cur, {
      columns: ['when', 'ids'],
      maxCategories: Number.POSITIVE_INFINITY,
    });
    expect(named.skipped).toEqual([]);
    expect(named.columns.map((c) => [c.column, c.method, c.drifted])).toEqual([
      ['when', 'ks', true],
      ['ids', 'jensenshannon', true],
    ]);
    expect(named.columns[1]!.distribution.bins).toHaveLength(30);
    expect(named.columns[1]!.distribution.bins.at(-1)).toBe('other (39971 values)');
  });

  it('refuses invalid options and inputs with messages that name the field, the value and what is valid', () => {
    const a = new Map([['a', same]]);
    expect(() => datasetDrift(a, a, { method: 'kstest' as never })).toThrow(
      'method is "kstest"; expected one of ks, chisquare, z, wasserstein, jensenshannon, psi, kl_div, hellinger, linf.',
    );
    expect(() => datasetDrift(a, a, { shareThreshold: 1.5 })).toThrow(
      'shareThreshold is 1.5; expected a share between 0 and 1, e.g. 0.5.',
    );
    expect(() => datasetDrift(a, a, { method: 'ks', threshold: 5 })).toThrow(
      'column "a": threshold is 5, but ks compares a p-value with it; use a significance level between 0 and 1 (exclusive), e.g. 0.05.',
    );
    expect(() => columnDrift('a', same, same, { method: 'psi', threshold: -1 })).toThrow(
      'threshold is -1, but psi is a distance (≥ 0); use a threshold ≥ 0, e.g. 0.1.',
    );
    expect(() =>
      datasetDrift(new Map([['w', cat({ a: 1 })]]), new Map([['w', cat({ b: 1 })]]), {
        methods: { w: 'ks' },
      }),
    ).toThrow(/method ks needs numbers, but column "w" is categorical/);
    expect(
      driftError(() => columnDrift('a', num([1, 2], { weights: Float64Array.of(1, -2) }), same)).message,
    ).toBe(
      'reference input of column "a": weights[1] is -2; weights must be non-negative integers (the count of each value).',
    );
    expect(
      driftError(() => columnDrift('a', { kind: 'numeric', values: [1, 2] as never }, same)).message,
    ).toBe('reference input of column "a": values must be a Float64Array (NaN for missing), got [1,2].');
    expect(driftError(() => columnDrift('a', same, cat({ a: Number.NaN }))).reason).toBe('invalid-input');
  });
});

describe('edge cases', () => {
  it('a constant column: no drift when both sides hold the same value, drift when they differ', () => {
    const sevens = num(range(500, () => 7));
    expect(columnDrift('c', sevens, sevens)).toMatchObject({
      method: 'z',
      statistic: 0,
      pValue: 1,
      drifted: false,
    });
    const big = num(range(5000, () => 7));
    expect(columnDrift('c', big, big)).toMatchObject({
      method: 'jensenshannon',
      statistic: 0,
      drifted: false,
    });
    for (const method of ['ks', 'wasserstein', 'psi', 'kl_div', 'hellinger', 'linf', 'chisquare'] as const)
      expect(columnDrift('c', big, big, { method }).drifted, method).toBe(false);
    const eights = num(range(500, () => 8));
    expect(columnDrift('c', sevens, eights)).toMatchObject({ method: 'z', drifted: true });
    expect(columnDrift('c', big, num(range(5000, () => 8))).drifted).toBe(true);
  });

  it('weighted inputs equal the expanded sample', () => {
    const r = new Random(5);
    const values = pick(r, 4000, [1, 2, 3, 4, 5, 6, 7, 8], [1, 2, 3, 4, 4, 3, 2, 1]);
    const counts = new Map<number, number>();
    for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
    const weighted = num([...counts.keys()], { weights: Float64Array.from(counts.values()) });
    const cur = num(pick(r, 3000, [1, 2, 3, 4, 5, 6, 7, 8], [1, 1, 1, 1, 1, 1, 1, 1]));
    for (const method of ['ks', 'wasserstein', 'psi', 'jensenshannon', 'chisquare'] as const) {
      const a = columnDrift('w', num(values), cur, { method });
      const b = columnDrift('w', weighted, cur, { method });
      expect(b.statistic, method).toBeCloseTo(a.statistic, 12);
      expect(b.referenceSize).toBe(4000);
    }
  });

  it('sorts a reference once and reuses it for every window', () => {
    const ref = num(normals(new Random(9), 50000, 0, 1));
    const first = performance.now();
    columnDrift('x', ref, num([0.1, 0.2]));
    const firstMs = performance.now() - first;
    const again = performance.now();
    for (let i = 0; i < 20; i++) columnDrift('x', ref, num([i, 0.2]));
    // Not a timing test of speed, only of the cache: 20 more windows must not re-sort 50,000 values each.
    expect((performance.now() - again) / 20).toBeLessThan(Math.max(firstMs, 5));
  });
});

function batch(columns: Column[], rowOffset = 0): Batch {
  const numRows = columns.length
    ? columns[0]!.type === 'null'
      ? columns[0]!.length
      : columns[0]!.type === 'string'
        ? columns[0]!.codes.length
        : columns[0]!.values.length
    : 0;
  return { columns, numRows, rowOffset };
}

describe('inputs from batches and from profiles', () => {
  it('gathers numbers, strings and booleans over batches, with missing values and type changes', async () => {
    const batches: Batch[] = [
      batch([
        { name: 'n', type: 'int', values: Float64Array.of(1, 2, 3) },
        { name: 's', type: 'string', codes: Int32Array.of(0, 1, -1), dictionary: ['x', 'y'] },
        { name: 'b', type: 'bool', values: Uint8Array.of(1, 0, 2) },
        { name: 'zip', type: 'int', values: Float64Array.of(2134, 2135, Number.NaN) },
        { name: 't', type: 'timestamp', values: Float64Array.of(0, 1000, 2000) },
      ]),
      batch(
        [
          { name: 'n', type: 'float', values: Float64Array.of(4.5, Number.NaN) },
          { name: 's', type: 'string', codes: Int32Array.of(1, 0), dictionary: ['x', 'y'] },
          { name: 'zip', type: 'string', codes: Int32Array.of(0, 0), dictionary: ['02134'] },
          { name: 'late', type: 'int', values: Float64Array.of(7, 8) },
        ],
        3,
      ),
    ];
    const inputs = await driftInputsFromBatches(batches);
    expect([...inputs.keys()]).toEqual(['n', 's', 'b', 'zip', 't', 'late']);
    expect(inputs.get('n')).toEqual({ kind: 'numeric', values: Float64Array.of(1, 2, 3, 4.5, Number.NaN) });
    expect(inputs.get('s')).toEqual({
      kind: 'categorical',
      counts: new Map([
        ['x', 2],
        ['y', 2],
      ]),
      missing: 1,
    });
    expect(inputs.get('b')).toEqual({
      kind: 'categorical',
      counts: new Map([
        ['true', 1],
        ['false', 1],
      ]),
      missing: 3,
    });
    expect(inputs.get('zip')).toEqual({
      kind: 'categorical',
      counts: new Map([
        ['2134', 1],
        ['2135', 1],
        ['02134', 2],
      ]),
      missing: 1,
    });
    expect(inputs.get('t')).toEqual({
      kind: 'numeric',
      values: Float64Array.of(0, 1000, 2000, Number.NaN, Number.NaN),
      timestamp: true,
    });
    expect(inputs.get('late')).toEqual({
      kind: 'numeric',
      values: Float64Array.of(Number.NaN, Number.NaN, Number.NaN, 7, 8),
    });
    const some = await driftInputsFromBatches(batches, ['late', 'n', 'nope']);
    expect([...some.keys()]).toEqual(['late', 'n']);
    const ints = await driftInputsFromBatches([
      batch([{ name: 'i', type: 'int', values: Float64Array.of(1, 2) }]),
    ]);
    expect(ints.get('i')).toEqual({ kind: 'numeric', values: Float64Array.of(1, 2), integer: true });
  });

  it('rebuilds approximate inputs from profiles: numbers from the KLL sketch, categories from frequent items', async () => {
    const r = new Random(11);
    const mk = (n: number, shift: number, cities: number) => {
      const x = Float64Array.from(normals(r, n, shift, 1));
      const labels = range(cities, (i) => `c${i}`);
      const codes = Int32Array.from(
        pick(
          r,
          n,
          range(cities, (i) => i),
          range(cities, (i) => 1 / (i + 1)),
        ),
      );
      return [
        batch([
          { name: 'x', type: 'float', values: x },
          { name: 'city', type: 'string', codes, dictionary: labels },
        ]),
      ];
    };
    const refBatches = mk(60000, 0, 20);
    const curBatches = mk(40000, 0.3, 20);
    const exactRef = await driftInputsFromBatches(refBatches);
    const exactCur = await driftInputsFromBatches(curBatches);
    const refProfile = await profileBatches(refBatches);
    const curProfile = await profileBatches(curBatches);
    const fromProfile = (p: typeof refProfile) =>
      new Map(p.columns.map((c) => [c.name, driftInputFromProfile(c)]));
    const approx = datasetDrift(fromProfile(refProfile), fromProfile(curProfile));
    const exact = datasetDrift(exactRef, exactCur);
    const [ax, acity] = approx.columns;
    const [ex, ecity] = exact.columns;
    expect(ax).toMatchObject({
      method: 'wasserstein',
      referenceSize: 60000,
      currentSize: 40000,
      drifted: true,
    });
    expect(ax!.approximate).toMatch(/^reference: rebuilt from the KLL quantile sketch of 60000 values/);
    expect(Math.abs(ax!.statistic - ex!.statistic)).toBeLessThan(0.02);
    // 20 categories fit the frequent-items summary: exact.
    expect(acity!.statistic).toBeCloseTo(ecity!.statistic, 12);
    expect(acity!.approximate).toBeUndefined();

    const many = await profileBatches(mk(20000, 0, 400));
    const city = driftInputFromProfile(many.columns[1]!);
    expect(city.kind).toBe('categorical');
    if (city.kind !== 'categorical') return;
    expect(city.counts.get(OTHER_VALUES)).toBeGreaterThan(0);
    expect([...city.counts.values()].reduce((a, b) => a + b, 0)).toBe(20000);
    expect(city.approximate).toMatch(
      /^rebuilt from the frequent-items summary \(\d+ values kept of about \d+; each count at most \d+ low; \d+ rows in "\(other values\)"\)$/,
    );
  });
});

describe('numeric samples', () => {
  it('radix-sorts doubles exactly as a comparison sort does, signs, zeros, subnormals and extremes included', () => {
    const r = new Random(3);
    const special = [
      0,
      -0,
      5e-324,
      -5e-324,
      2.2250738585072014e-308,
      -Number.MAX_VALUE,
      Number.MAX_VALUE,
      1,
      -1,
    ];
    const values = Float64Array.from({ length: 50_000 }, (_, i) =>
      i < special.length ? special[i]! : (r.next() - 0.5) * 10 ** Math.floor(r.next() * 40 - 20),
    );
    const expected = Array.from(values).sort((a, b) => a - b);
    const sorted = sortFloat64(values.slice());
    expect(Array.from(sorted).map((v) => (v === 0 ? 0 : v))).toEqual(expected.map((v) => (v === 0 ? 0 : v)));
  });

  it('gives the same sample by hash count (few distinct values) and by sorting (many)', () => {
    const r = new Random(4);
    const few = Float64Array.from({ length: 100_000 }, () => Math.floor(r.next() * 50) - 25);
    few[7] = Number.NaN;
    few[8] = Number.NEGATIVE_INFINITY;
    const many = Float64Array.from({ length: 100_000 }, () => r.next());
    for (const values of [few, many]) {
      const sample = numericSample(values);
      const finite = Array.from(values).filter(Number.isFinite);
      const sorted = [...new Set(finite)].sort((a, b) => a - b);
      expect(Array.from(sample.values)).toEqual(sorted);
      expect(sample.n).toBe(finite.length);
      expect(sample.missing).toBe(values.length - finite.length);
      expect(sample.cumulative.at(-1)).toBe(finite.length);
      const counts = new Map<number, number>();
      for (const v of finite) counts.set(v, (counts.get(v) ?? 0) + 1);
      expect(Array.from(sample.counts)).toEqual(sorted.map((v) => counts.get(v)));
    }
  });
});
