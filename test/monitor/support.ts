import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { inject } from 'vitest';
import { Random } from '../../src/learn/random.js';

/** Python (scipy import included) is slow on a busy machine: tests that call it get this much time. */
export const PYTHON_TIMEOUT = 300_000;

const SCRIPT = fileURLToPath(new URL('../python/drift_reference.py', import.meta.url));

/** Runs requests through test/python/drift_reference.py (scipy + numpy re-statements of Evidently's formulas). */
export function reference<T = any>(requests: Record<string, unknown>[]): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      inject('pythonBin'),
      [SCRIPT],
      { maxBuffer: 256 * 1024 * 1024, encoding: 'utf8' },
      (err, stdout, stderr) => {
        if (err) return reject(new Error(`drift_reference.py failed: ${stderr || err.message}`));
        resolve(
          JSON.parse(stdout, (_k, v) => (v === 'NaN' ? Number.NaN : v === 'Infinity' ? Infinity : v)) as T[],
        );
      },
    );
    child.stdin!.end(JSON.stringify(requests));
  });
}

/** Normal(mean, sd) by Box-Muller over the learners' seeded generator, rounded to `digits` decimals (ties on purpose). */
export function normals(r: Random, n: number, mean: number, sd: number, digits = 3): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const u = Math.max(r.next(), 1e-12);
    const v = r.next();
    const z = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    out.push(Number((mean + sd * z).toFixed(digits)));
  }
  return out;
}

export function pick<T>(r: Random, n: number, values: T[], weights: number[]): T[] {
  const total = weights.reduce((a, b) => a + b, 0);
  const out: T[] = [];
  for (let i = 0; i < n; i++) {
    let u = r.next() * total;
    let k = 0;
    while (k < weights.length - 1 && u >= weights[k]!) u -= weights[k++]!;
    out.push(values[k]!);
  }
  return out;
}

export { Random };

/** |a − b| ≤ tol, or both the same non-finite value. */
export function close(a: number, b: number, tol = 1e-6): boolean {
  if (!Number.isFinite(a) || !Number.isFinite(b))
    return Object.is(a, b) || (Number.isNaN(a) && Number.isNaN(b));
  return Math.abs(a - b) <= tol;
}
