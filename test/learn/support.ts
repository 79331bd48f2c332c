import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { type Column, type Frame, frameFrom } from '../../src/learn/frame.js';
import { Random } from '../../src/learn/random.js';

/** Python (scikit-learn import included) is slow on a busy machine: tests that call it get this much time. */
export const PYTHON_TIMEOUT = 300_000;

const SCRIPT = fileURLToPath(new URL('../python/learn_reference.py', import.meta.url));

/** Runs one request through test/python/learn_reference.py (scikit-learn, Fairlearn, onnx) and returns its JSON. */
export function reference<T = any>(request: Record<string, unknown> | Record<string, unknown>[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      inject('pythonBin'),
      [SCRIPT],
      { maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`learn_reference.py failed: ${stderr || err.message}`));
        resolve(JSON.parse(stdout) as T);
      },
    );
    child.stdin!.end(JSON.stringify(request));
  });
}

/** A column as the Python side reads it: numbers with null for missing, strings with null for missing. */
export function wireColumn(c: Column): { kind: string; values: (number | string | null)[] } {
  if (c.kind === 'numeric')
    return { kind: 'numeric', values: Array.from(c.values, (v) => (Number.isNaN(v) ? null : v)) };
  return {
    kind: 'categorical',
    values: Array.from(c.codes, (code) => (code < 0 ? null : c.dictionary[code]!)),
  };
}

export function wireColumns(frame: Frame, names: string[]): Record<string, ReturnType<typeof wireColumn>> {
  return Object.fromEntries(names.map((n) => [n, wireColumn(frame.columns[n]!)]));
}

/**
 * A fixed mixed-type data set: numeric x1 (10% missing), x2, x3 (constant-ish noise), categorical color (5% missing,
 * 5 levels) and city (12 levels); targets: y_bin (0/1), y_str ("no"/"yes"), y_multi (3 string classes), y_reg.
 */
export function mixedFrame(n: number, seed = 7): Frame {
  const r = new Random(seed);
  const colors = ['red', 'green', 'blue', 'black', 'white'];
  const cities = Array.from({ length: 12 }, (_, i) => `city${i}`);
  const x1: (number | null)[] = [];
  const x2: number[] = [];
  const x3: number[] = [];
  const color: (string | null)[] = [];
  const city: string[] = [];
  const yBin: number[] = [];
  const yStr: string[] = [];
  const yMulti: string[] = [];
  const yReg: number[] = [];
  for (let i = 0; i < n; i++) {
    const a = r.next() * 4 - 2;
    const b = r.next() * 6 - 3;
    const c = r.next();
    const col = colors[r.int(colors.length)]!;
    const ci = r.int(cities.length);
    const effect = { red: 1, green: -1, blue: 0.5, black: 0, white: -0.5 }[col]!;
    const z = 1.2 * a - 0.8 * b + effect + (ci % 3) * 0.7 - 0.7 + (r.next() - 0.5) * 1.5;
    x1.push(r.next() < 0.1 ? null : a);
    x2.push(b);
    x3.push(c);
    color.push(r.next() < 0.05 ? null : col);
    city.push(cities[ci]!);
    yBin.push(z > 0 ? 1 : 0);
    yStr.push(z > 0 ? 'yes' : 'no');
    yMulti.push(z > 1 ? 'high' : z < -1 ? 'low' : 'mid');
    yReg.push(z * 3 + 10 + a * b);
  }
  return frameFrom({ x1, x2, x3, color, city, y_bin: yBin, y_str: yStr, y_multi: yMulti, y_reg: yReg });
}

export const FEATURES = ['x1', 'x2', 'x3', 'color', 'city'];

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} != ${b.length}`);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]! - b[i]!));
  return m;
}
