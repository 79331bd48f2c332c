import { beforeAll, describe, expect, it } from 'vitest';
import { sturgesEdges } from '../../src/monitor/drift/binning.js';
import { columnDrift, type DriftInput, type DriftMethod } from '../../src/monitor/drift/index.js';
import { kolmogornSf, smirnovSf } from '../../src/monitor/drift/kolmogorov.js';
import { chi2Sf, lgamma, normalTwoSided } from '../../src/monitor/drift/special.js';
import { close, normals, PYTHON_TIMEOUT, pick, Random, reference } from './support.js';

/**
 * Every statistic against scipy (and numpy re-statements of Evidently's binned formulas) on fixed data, to 1e-6.
 * test/python/drift_reference.py computes the expected values in the test venv.
 */

type Sample = (number | null)[] | (string | null)[];
interface Case {
  name: string;
  kind: 'numeric' | 'categorical';
  ref: Sample;
  cur: Sample;
  integer?: boolean;
}

const r = new Random(20260101);
const ints = (n: number, weights: number[]) =>
  pick(
    r,
    n,
    weights.map((_, i) => i),
    weights,
  );

const CASES: Case[] = [
  {
    name: 'equal sizes, shifted normal (exact KS, n1 = n2)',
    kind: 'numeric',
    ref: normals(r, 200, 0, 1),
    cur: normals(r, 200, 0.3, 1),
  },
  {
    name: 'unequal sizes with many ties (exact KS, n1 != n2)',
    kind: 'numeric',
    ref: normals(r, 300, 0, 1, 1),
    cur: normals(r, 457, 0.1, 1.2, 1),
  },
  {
    name: 'large samples, small shift (asymptotic KS)',
    kind: 'numeric',
    ref: normals(r, 20000, 0, 1),
    cur: normals(r, 15000, 0.02, 1),
  },
  {
    name: 'large samples, clear shift (asymptotic KS, upper tail)',
    kind: 'numeric',
    ref: normals(r, 12000, 0, 1),
    cur: normals(r, 11000, 0.08, 1),
  },
  {
    name: 'large reference, tiny current (asymptotic KS at small n)',
    kind: 'numeric',
    ref: normals(r, 12000, 0, 1),
    cur: normals(r, 60, 0.2, 1),
  },
  {
    name: 'large reference, tiny current far away',
    kind: 'numeric',
    ref: normals(r, 12000, 0, 1),
    cur: normals(r, 45, 1.5, 1),
  },
  {
    name: 'missing values and infinities are dropped',
    kind: 'numeric',
    ref: [...normals(r, 400, 0, 1), null, null, Number.POSITIVE_INFINITY],
    cur: [...normals(r, 350, 0.5, 2), null, Number.NEGATIVE_INFINITY],
  },
  {
    name: 'disjoint supports: empty bins on both sides (PSI/KL zero filling)',
    kind: 'numeric',
    ref: normals(r, 2000, 0, 1),
    cur: normals(r, 1500, 6, 1),
  },
  {
    name: 'integers with 16 values (one bin per value)',
    kind: 'numeric',
    integer: true,
    ref: ints(900, [1, 2, 3, 5, 8, 13, 21, 34, 21, 13, 8, 5, 3, 2, 1, 1]),
    cur: ints(700, [1, 1, 2, 3, 5, 8, 13, 21, 34, 21, 13, 8, 5, 3, 2, 0]),
  },
  {
    name: 'integers with 40 values (Sturges bins, integer dtype)',
    kind: 'numeric',
    integer: true,
    ref: ints(
      3000,
      Array.from({ length: 40 }, (_, i) => 40 - i),
    ),
    cur: ints(
      2500,
      Array.from({ length: 40 }, (_, i) => 1 + i),
    ),
  },
  {
    name: 'binary numbers',
    kind: 'numeric',
    ref: ints(800, [3, 1]),
    cur: ints(600, [1, 1]),
  },
  {
    name: 'three numbers',
    kind: 'numeric',
    ref: ints(500, [3, 1, 1]),
    cur: ints(400, [1, 1, 3]),
  },
  {
    name: 'categories with missing values, a new one and a vanished one',
    kind: 'categorical',
    ref: pick(r, 1200, ['red', 'green', 'blue', 'black', 'white', null], [30, 25, 20, 15, 9, 1]),
    cur: pick(r, 900, ['red', 'green', 'blue', 'black', 'purple', null], [20, 30, 20, 15, 10, 5]),
  },
  {
    name: 'categories, same distribution',
    kind: 'categorical',
    ref: pick(r, 700, ['a', 'b', 'c', 'd'], [4, 3, 2, 1]),
    cur: pick(r, 650, ['a', 'b', 'c', 'd'], [4, 3, 2, 1]),
  },
  {
    name: 'two categories',
    kind: 'categorical',
    ref: pick(r, 500, ['no', 'yes'], [7, 3]),
    cur: pick(r, 450, ['no', 'yes'], [6, 4]),
  },
];

/** JSON has no infinities: they travel as the strings Python's float() reads. */
const wire = (v: number | string | null) =>
  typeof v === 'number' && !Number.isFinite(v) ? (v > 0 ? 'Infinity' : '-Infinity') : v;

function input(c: Case, side: 'ref' | 'cur'): DriftInput {
  const values = c[side];
  if (c.kind === 'numeric')
    return {
      kind: 'numeric',
      values: Float64Array.from(values as (number | null)[], (v) => (v === null ? Number.NaN : v)),
      ...(c.integer ? { integer: true } : {}),
    };
  const counts = new Map<string, number>();
  let missing = 0;
  for (const v of values as (string | null)[]) {
    if (v === null) missing++;
    else counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  return { kind: 'categorical', counts, missing };
}

describe('drift statistics match scipy and Evidently on fixed data', () => {
  let expected: Record<string, number | [number, number]>[];
  beforeAll(async () => {
    expected = await reference(
      CASES.map((c) => ({
        op: 'column',
        kind: c.kind,
        ref: c.ref.map(wire),
        cur: c.cur.map(wire),
        integer: c.integer ?? false,
      })),
    );
  }, PYTHON_TIMEOUT);

  it.each(CASES.map((c, i) => [c.name, i] as const))('%s', (_name, i) => {
    const c = CASES[i]!;
    const want = expected[i]!;
    let compared = 0;
    for (const [method, value] of Object.entries(want)) {
      const got = columnDrift('x', input(c, 'ref'), input(c, 'cur'), { method: method as DriftMethod });
      const [statistic, pValue] = Array.isArray(value) ? value : [value, undefined];
      expect(
        close(got.statistic, statistic),
        `${method} statistic: ${got.statistic} vs scipy ${statistic}`,
      ).toBe(true);
      if (pValue !== undefined)
        expect(close(got.pValue!, pValue), `${method} p-value: ${got.pValue} vs scipy ${pValue}`).toBe(true);
      compared++;
    }
    expect(compared).toBeGreaterThanOrEqual(5);
  });

  it('covers both KS modes and both binnings', () => {
    const conventions = CASES.flatMap((c) =>
      (['ks', 'psi'] as const).flatMap((method) =>
        c.kind === 'numeric'
          ? [columnDrift('x', input(c, 'ref'), input(c, 'cur'), { method }).convention]
          : [],
      ),
    );
    expect(conventions.some((t) => t.includes('exact p-value'))).toBe(true);
    expect(conventions.some((t) => t.includes('asymptotic p-value'))).toBe(true);
    expect(conventions.some((t) => t.includes('equal-width bins'))).toBe(true);
    expect(conventions.some((t) => t.includes('one bin per value'))).toBe(true);
  });
});

describe('special functions match scipy', () => {
  it(
    'kstwo.sf, smirnov, chi2.sf, the normal tail and gammaln over every algorithm regime',
    async () => {
      // (scipy itself needs about a minute for n = 4e5 or 1e6 at small x, so those sizes are left out.)
      const ns = [1, 2, 3, 5, 10, 37, 100, 140, 141, 500, 5000, 99999, 100001, 2_000_000];
      const points: [number, number][] = [];
      for (const n of ns) {
        const xs = [
          0.4 / n,
          0.7 / n,
          1.5 / n,
          Math.sqrt(0.3 / n),
          Math.sqrt(0.7 / n),
          Math.sqrt(1 / n),
          Math.sqrt(1.8 / n),
          Math.sqrt(2.5 / n),
          Math.sqrt(3.9 / n),
          Math.sqrt(10 / n),
          Math.sqrt(40 / n),
          Math.sqrt(300 / n),
          0.3,
          0.55,
          0.9,
          1 - 0.5 / n,
        ];
        for (const x of xs) if (x > 0 && x < 1) points.push([n, x]);
      }
      const chi: [number, number][] = [];
      for (const df of [1, 2, 3, 7, 30, 299, 5000, 40000])
        for (const f of [0.01, 0.3, 0.9, 1, 1.2, 2, 4]) chi.push([df, df * f]);
      const zs = [0, 0.1, 0.5, 1, 1.96, 2.5, 4, 8, 20];
      const gl = [0.5, 1, 1.5, 2.5, 7, 30.5, 1e3, 1e6];
      const [kstwo, smirnov, chi2, norm, gammaln] = await reference<number[]>([
        { op: 'kstwo_sf', points },
        { op: 'smirnov', points },
        { op: 'chi2_sf', points: chi },
        { op: 'norm_two_sided', points: zs },
        { op: 'gammaln', points: gl },
      ]);
      points.forEach(([n, x], i) => {
        expect(
          close(kolmogornSf(n, x), kstwo![i]!, 1e-9),
          `kstwo.sf(${x}, ${n}) = ${kstwo![i]} vs ${kolmogornSf(n, x)}`,
        ).toBe(true);
        expect(
          close(smirnovSf(n, x), smirnov![i]!, 1e-9),
          `smirnov(${n}, ${x}) = ${smirnov![i]} vs ${smirnovSf(n, x)}`,
        ).toBe(true);
      });
      chi.forEach(([df, x], i) => {
        expect(
          close(chi2Sf(x, df), chi2![i]!, 1e-9),
          `chi2.sf(${x}, ${df}) = ${chi2![i]} vs ${chi2Sf(x, df)}`,
        ).toBe(true);
      });
      zs.forEach((z, i) => {
        expect(close(normalTwoSided(z), norm![i]!, 1e-14), `z = ${z}`).toBe(true);
      });
      gl.forEach((x, i) => {
        expect(Math.abs(lgamma(x) - gammaln![i]!) / Math.max(1, Math.abs(gammaln![i]!))).toBeLessThan(1e-13);
      });
    },
    PYTHON_TIMEOUT,
  );

  it(
    "numpy's Sturges edges, including the integer rule (bins never narrower than 1)",
    async () => {
      const floats = normals(r, 3000, 5, 2);
      const narrowInts = ints(5000, [1, 2, 3, 4, 5, 6, 5, 4, 3, 2, 1]);
      const [a, b] = await reference<number[]>([
        { op: 'sturges', values: floats },
        { op: 'sturges', values: narrowInts, integer: true },
      ]);
      const edges = (v: number[], integer: boolean) =>
        sturgesEdges(v.length, Math.min(...v), Math.max(...v), integer);
      expect(edges(floats, false)).toEqual(a);
      expect(edges(narrowInts, true)).toEqual(b);
      expect(b!.length - 1).toBe(10);
    },
    PYTHON_TIMEOUT,
  );
});
