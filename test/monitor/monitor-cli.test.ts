import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { beforeAll, describe, expect, it } from 'vitest';
import { workdir } from '../data/fixtures.js';
import { BIN, REPO_ROOT } from '../support/server-process.js';
import { normals, pick, Random } from './support.js';

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI in `cwd` with no colour and no inherited mloop settings. */
function mloop(cwd: string, args: string[]): Promise<Result> {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(MLOOP_|MLFLOW_|FORCE_COLOR)/.test(k)),
  );
  return new Promise((done) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd, env: { ...clean, NO_COLOR: '1' }, timeout: 60_000 },
      (err, stdout, stderr) =>
        done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

function csv(rows: Record<string, string | number>[]): string {
  const head = Object.keys(rows[0]!);
  return `${head.join(',')}\n${rows.map((r) => head.map((h) => r[h]).join(',')).join('\n')}\n`;
}

const r = new Random(77);
const N = 1500;
const refAge = normals(r, N, 40, 10, 1);
const refCity = pick(r, N, ['Oslo', 'Rome', 'Lima'], [5, 3, 2]);
const refRows = refAge.map((age, i) => ({ age, city: refCity[i]!, score: (i * 7) % 100 }));
const sameRows = normals(r, 1200, 40, 10, 1).map((age, i) => ({
  age,
  city: pick(r, 1, ['Oslo', 'Rome', 'Lima'], [5, 3, 2])[0]!,
  score: (i * 13) % 100,
}));
const shiftedRows = normals(r, 1200, 55, 10, 1).map((age, i) => ({
  age,
  city: pick(r, 1, ['Oslo', 'Rome', 'Lima', 'Kyiv'], [1, 1, 1, 5])[0]!,
  score: (i * 13) % 100,
}));

describe('mloop monitor drift (built CLI, end to end)', () => {
  let cwd: string;
  beforeAll(() => {
    if (!existsSync(join(REPO_ROOT, 'dist/cli/main.js')))
      throw new Error('dist/ is missing: run `npm run build` first.');
    cwd = workdir({
      'ref.csv': csv(refRows),
      'same.jsonl': sameRows.map((row) => JSON.stringify(row)).join('\n'),
      'shifted.parquet': new Uint8Array(
        parquetWriteBuffer({
          columnData: [
            { name: 'age', data: shiftedRows.map((x) => x.age), type: 'DOUBLE' },
            { name: 'city', data: shiftedRows.map((x) => x.city), type: 'STRING' },
            { name: 'score', data: shiftedRows.map((x) => x.score), type: 'INT32' },
          ],
        }),
      ),
      'empty.csv': '',
    });
  });

  it('documents itself in --help', async () => {
    const group = await mloop(cwd, ['monitor', '--help']);
    expect(group.code).toBe(0);
    expect(group.stdout).toContain('drift [options]');
    const help = await mloop(cwd, ['monitor', 'drift', '--help']);
    expect(help.code).toBe(0);
    for (const flag of [
      '--reference',
      '--current',
      '--columns',
      '--method',
      '--threshold',
      '--json',
      '--html',
    ])
      expect(help.stdout).toContain(flag);
    expect(help.stdout).toMatch(/0 no dataset drift, 1 dataset drift/);
  });

  it('exits 0 without dataset drift and prints a table per column', async () => {
    const res = await mloop(cwd, ['monitor', 'drift', '--reference', 'ref.csv', '--current', 'same.jsonl']);
    expect(res, res.stderr).toMatchObject({ code: 0 });
    expect(res.stdout).toMatch(/^No dataset drift: 0 of 3 columns drifted \(0%; drift when ≥ 50%\)\./);
    expect(res.stdout).toContain('Reference: ref.csv (1,500 rows). Current: same.jsonl (1,200 rows).');
    expect(res.stdout).toMatch(/COLUMN\s+KIND\s+TEST\s+STATISTIC\s+P-VALUE\s+THRESHOLD\s+VERDICT/);
    expect(res.stdout).toMatch(/\nage\s+numeric\s+wasserstein\s+[\d.]+\s+-\s+0\.1\s+no drift\n/);
    expect(res.stdout).toMatch(/\ncity\s+categorical\s+jensenshannon\s+[\d.]+\s+-\s+0\.1\s+no drift\n/);
  });

  it('exits 1 on dataset drift, across formats, with JSON and an HTML report', async () => {
    const res = await mloop(cwd, [
      'monitor',
      'drift',
      '--reference',
      'ref.csv',
      '--current',
      'shifted.parquet',
      '--json',
      '--html',
      'report.html',
    ]);
    expect(res.code, res.stderr).toBe(1);
    const out = JSON.parse(res.stdout);
    expect(out).toMatchObject({
      reference: 'ref.csv',
      current: 'shifted.parquet',
      referenceRows: 1500,
      currentRows: 1200,
      driftedColumns: 2,
      share: 2 / 3,
      shareThreshold: 0.5,
      drifted: true,
      skipped: [],
    });
    expect(out.columns.map((c: any) => [c.column, c.method, c.drifted])).toEqual([
      ['age', 'wasserstein', true],
      ['city', 'jensenshannon', true],
      ['score', 'wasserstein', false],
    ]);
    expect(out.columns[0].convention).toContain('Wasserstein-1');
    const html = readFileSync(join(cwd, 'report.html'), 'utf8');
    expect(html).toMatch(/^<!DOCTYPE html>/);
    expect(html).toContain('Dataset drift detected');
    expect(html.match(/<svg /g)).toHaveLength(3);
    expect(html).not.toMatch(/<script|https?:\/\/(?!www\.w3\.org)/);

    const some = await mloop(cwd, [
      'monitor',
      'drift',
      '--reference',
      'ref.csv',
      '--current',
      'shifted.parquet',
      '--columns',
      'score,city',
      '--method',
      'psi',
      '--threshold',
      '0.2',
    ]);
    expect(some.code, some.stderr).toBe(1);
    expect(some.stdout).toMatch(
      /^Dataset drift detected: 1 of 2 columns drifted \(50%; drift when ≥ 50%\)\./,
    );
    expect(some.stdout).toMatch(/\nscore\s+numeric\s+psi\s+[\d.e-]+\s+-\s+0\.2\s+no drift\n/);
    expect(some.stdout).toMatch(/\ncity\s+categorical\s+psi\s+[\d.]+\s+-\s+0\.2\s+drift\n/);
  });

  it('treats a share at the threshold as drift (≥), and --share-threshold moves it', async () => {
    const args = [
      'monitor',
      'drift',
      '--reference',
      'ref.csv',
      '--current',
      'shifted.parquet',
      '--columns',
      'score,city',
    ];
    expect((await mloop(cwd, args)).code).toBe(1);
    expect((await mloop(cwd, [...args, '--share-threshold', '0.6'])).code).toBe(0);
  });

  it('exits 2 on usage errors and unreadable input, with messages that say what is valid', async () => {
    const base = ['monitor', 'drift', '--reference', 'ref.csv'];
    const cases: [string[], RegExp][] = [
      [base, /required option '--current <file>' not specified/],
      [
        [...base, '--current', 'same.jsonl', '--method', 'ttest'],
        /argument 'ttest' is invalid\. Allowed choices are ks, chisquare/,
      ],
      [[...base, '--current', 'same.jsonl', '--threshold', 'abc'], /--threshold is "abc"; expected a number/],
      [
        [...base, '--current', 'same.jsonl', '--share-threshold', '2'],
        /--share-threshold is "2"; expected a share between 0 and 1/,
      ],
      [
        [...base, '--current', 'same.jsonl', '--columns', 'age,height'],
        /^mloop: columns: "height" is in neither file; the columns are "age", "city", "score"\.\n$/,
      ],
      [[...base, '--current', 'missing.csv'], /^mloop: missing\.csv: cannot read: ENOENT/],
      [
        [...base, '--current', 'empty.csv'],
        /^mloop: empty\.csv: empty file \(0 bytes\): there is no table to read\.\n$/,
      ],
      [
        [...base, '--current', 'same.jsonl', '--method', 'ks', '--threshold', '3'],
        /^mloop: column "age": threshold is 3, but ks compares a p-value with it; use a significance level between 0 and 1/,
      ],
    ];
    for (const [args, message] of cases) {
      const res = await mloop(cwd, args);
      expect(res.code, args.join(' ')).toBe(2);
      expect(res.stderr, args.join(' ')).toMatch(message);
    }
  });
});
