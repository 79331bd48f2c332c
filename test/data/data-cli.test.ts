import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runMloop } from '../support/cli.js';
import { REPO_ROOT } from '../support/server-process.js';
import { workdir } from './fixtures.js';

/** Runs the built CLI in `cwd`, with no tracking URI or home inherited and a private stat cache. */
const mloop = (cwd: string, args: string[]) =>
  runMloop(cwd, args, { env: { MLOOP_STATE_DIR: join(cwd, '.state') }, timeoutMs: 60_000 });

const REF = 'id,city,temp\n1,Oslo,10.5\n2,Rome,20\n3,Oslo,15\n';

describe('mloop data (built CLI, end to end)', () => {
  let cwd: string;
  beforeAll(() => {
    if (!existsSync(join(REPO_ROOT, 'dist/cli/main.js')))
      throw new Error('dist/ is missing: run `npm run build` first.');
    cwd = workdir({ 'cities.csv': REF, 'new.csv': 'id,city,temp\n4,Paris,99\n', 'bad.csv': 'a,b\n1,2\n3\n' });
  });

  it('has --help on every subcommand, exiting 0, and exits 2 on usage errors', async () => {
    for (const sub of ['add', 'status', 'push', 'pull', 'checkout', 'profile', 'validate', 'list', 'show']) {
      const help = await mloop(cwd, ['data', sub, '--help']);
      expect(help.code, sub).toBe(0);
      expect(help.stdout, sub).toContain('--json');
    }
    expect((await mloop(cwd, ['data', 'add', 'x.csv', '--bogus'])).code).toBe(2);
    expect((await mloop(cwd, ['data', 'validate', 'new.csv'])).code).toBe(2);
  });

  it('adds, lists, shows, reports status and checks out on a local home', async () => {
    const add = await mloop(cwd, ['data', 'add', 'cities.csv', '--home', 'home']);
    expect(add, add.stderr).toMatchObject({ code: 0, stderr: '' });
    expect(add.stdout).toMatch(
      /^Added cities@1 \(sha256 [0-9a-f]{12}, 45 B, 3 rows\)\.\nPointer: cities\.mloop \(commit it to git\)\nUploaded 1 file\(s\), 45 B\.\n$/,
    );
    expect(readFileSync(join(cwd, 'cities.mloop'), 'utf8')).toContain('name: cities\nversion: 1\n');

    const status = await mloop(cwd, ['data', 'status']);
    expect(status).toMatchObject({ code: 0, stdout: 'All 1 dataset(s) match their pointers.\n' });
    writeFileSync(join(cwd, 'cities.csv'), `${REF}4,Lima,18\n`);
    const changed = await mloop(cwd, ['data', 'status', '--json']);
    expect(JSON.parse(changed.stdout)).toMatchObject([{ name: 'cities', version: 1, state: 'modified' }]);
    expect((await mloop(cwd, ['data', 'add', 'cities.csv', '--home', 'home'])).stdout).toMatch(
      /^Added cities@2 /,
    );

    const list = await mloop(cwd, ['data', 'list', '--home', 'home', '--json']);
    expect(JSON.parse(list.stdout)).toMatchObject([{ name: 'cities', latestVersion: 2, versions: 2 }]);
    const show = await mloop(cwd, ['data', 'show', 'cities@1', '--home', 'home']);
    expect(show.code).toBe(0);
    expect(show.stdout).toMatch(/Dataset\s+cities@1/);
    expect(show.stdout).toMatch(/city\s+string\s+no\s+one of 2: Oslo, Rome/);

    const checkout = await mloop(cwd, ['data', 'checkout', 'cities@1', '--home', 'home']);
    expect(checkout, checkout.stderr).toMatchObject({ code: 0 });
    expect(readFileSync(join(cwd, 'cities.csv'), 'utf8')).toBe(REF);
    expect(readFileSync(join(cwd, 'cities.mloop'), 'utf8')).toContain('version: 1\n');
  });

  it('profiles a file as JSON and validates new data, exiting 1 on anomalies', async () => {
    const profile = await mloop(cwd, ['data', 'profile', 'cities.csv', '--json']);
    expect(profile.code).toBe(0);
    const p = JSON.parse(profile.stdout);
    expect(p).toMatchObject({ version: 1, rows: 3 });
    expect(p.columns.map((c: { name: string; type: string }) => `${c.name}:${c.type}`)).toEqual([
      'id:int',
      'city:string',
      'temp:float',
    ]);

    const ok = await mloop(cwd, [
      'data',
      'validate',
      'cities.csv',
      '--against',
      'cities@1',
      '--home',
      'home',
    ]);
    expect(ok).toMatchObject({
      code: 0,
      stdout: 'No anomalies: 3 rows of cities.csv match the schema of cities@1.\n',
    });
    const bad = await mloop(cwd, [
      'data',
      'validate',
      'new.csv',
      '--against',
      'cities@1',
      '--home',
      'home',
      '--json',
    ]);
    expect(bad.code).toBe(1);
    const report = JSON.parse(bad.stdout);
    expect(
      report.anomalies.map((a: { rule: string; column: string }) => `${a.rule}:${a.column}`).sort(),
    ).toEqual(['out-of-range:id', 'out-of-range:temp', 'unseen-category:city']);
    const againstFile = await mloop(cwd, ['data', 'validate', 'new.csv', '--against', 'cities.csv']);
    expect(againstFile.code).toBe(1);
    expect(againstFile.stdout).toMatch(/unseen-category\s+city\s+1/);
  });

  it('reports bad input with the file and line, exiting 1, and records nothing', async () => {
    const bad = await mloop(cwd, ['data', 'add', 'bad.csv', '--home', 'home']);
    expect(bad).toMatchObject({ code: 1, stdout: '' });
    expect(bad.stderr).toMatch(
      /^mloop: .*bad\.csv: line 3: ragged row: it has 1 fields but the header has 2 columns\./,
    );
    expect(existsSync(join(cwd, 'bad.mloop'))).toBe(false);
    const list = await mloop(cwd, ['data', 'list', '--home', 'home', '--json']);
    expect(JSON.parse(list.stdout).map((d: { name: string }) => d.name)).toEqual(['cities']);
  });
});
