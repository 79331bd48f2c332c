import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BIN } from '../support/server-process.js';
import { workdir } from './fixtures.js';

/**
 * Files the user cannot read (issue: "a directory with unreadable files"). Tests run as root, who reads everything,
 * so the CLI runs as `nobody` through setpriv on files and directories only root may read.
 */
const NOBODY = ['--reuid=65534', '--regid=65534', '--clear-groups'];

const canSwitchUser = (() => {
  if (process.getuid?.() !== 0) return false;
  try {
    execFileSync('setpriv', [...NOBODY, 'true']);
    return true;
  } catch {
    return false;
  }
})();

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

function mloopAs(user: 'root' | 'nobody', cwd: string, args: string[]): Promise<Result> {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(MLOOP_|MLFLOW_|FORCE_COLOR)/.test(k)),
  );
  const [cmd, argv] =
    user === 'root'
      ? [process.execPath, [BIN, ...args]]
      : ['setpriv', [...NOBODY, process.execPath, BIN, ...args]];
  return new Promise((done) => {
    execFile(
      cmd,
      argv,
      { cwd, env: { ...env, NO_COLOR: '1', MLOOP_STATE_DIR: join(cwd, '.state') }, timeout: 60_000 },
      (err, stdout, stderr) =>
        done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

describe.skipIf(!canSwitchUser)('unreadable files, as an unprivileged user (built CLI)', () => {
  let cwd: string;
  beforeAll(() => {
    cwd = workdir();
    chmodSync(cwd, 0o777);
    for (const d of ['home', '.state', 'data']) {
      mkdirSync(join(cwd, d));
      chmodSync(join(cwd, d), 0o777);
    }
    writeFileSync(join(cwd, 'data', 'ok.csv'), 'a,b\n1,2\n');
    writeFileSync(join(cwd, 'data', 'secret.csv'), 'a,b\n3,4\n');
    chmodSync(join(cwd, 'data', 'secret.csv'), 0o600);
  });

  it('refuses to add a directory holding a file it cannot read, naming the file, exit 1, recording nothing', async () => {
    const r = await mloopAs('nobody', cwd, ['data', 'add', 'data', '--home', 'home']);
    expect(r).toMatchObject({ code: 1, stdout: '' });
    expect(r.stderr).toBe(
      `mloop: ${join(cwd, 'data', 'secret.csv')}: cannot read: EACCES: permission denied, open '${join(cwd, 'data', 'secret.csv')}'.\n`,
    );
    expect(existsSync(join(cwd, 'data.mloop'))).toBe(false);
    const list = await mloopAs('nobody', cwd, ['data', 'list', '--home', 'home', '--json']);
    expect(JSON.parse(list.stdout)).toEqual([]);
  });

  it('names a subdirectory it cannot list (the find fast path gives way to the precise error)', async () => {
    const locked = join(cwd, 'data', 'locked');
    mkdirSync(locked);
    writeFileSync(join(locked, 'x.csv'), 'a\n1\n');
    chmodSync(locked, 0o700);
    try {
      const r = await mloopAs('nobody', cwd, ['data', 'add', 'data', '--home', 'home']);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(
        `mloop: ${locked}: cannot read the directory: EACCES: permission denied, scandir '${locked}'.\n`,
      );
    } finally {
      chmodSync(locked, 0o755);
    }
  });

  it('status reports a tracked file that became unreadable, and train and profile refuse it, all with exit 1', async () => {
    chmodSync(join(cwd, 'data', 'secret.csv'), 0o644);
    const added = await mloopAs('root', cwd, [
      'data',
      'add',
      'data/secret.csv',
      '--home',
      'roothome',
      '--no-gitignore',
    ]);
    expect(added.code, added.stderr).toBe(0);
    // What root wrote to the shared stat cache stays writable for nobody.
    for (const f of readdirSync(join(cwd, '.state'))) chmodSync(join(cwd, '.state', f), 0o666);
    chmodSync(join(cwd, 'data', 'secret.csv'), 0o600);
    // A new mtime: the stat cache cannot vouch for the content, so status must read it.
    utimesSync(join(cwd, 'data', 'secret.csv'), new Date(), new Date(Date.now() + 5000));
    const status = await mloopAs('nobody', cwd, ['data', 'status', 'data/secret.mloop']);
    expect(status).toMatchObject({ code: 1, stdout: '' });
    expect(status.stderr).toMatch(/^mloop: .*secret\.csv: cannot read: EACCES: permission denied/);

    const train = await mloopAs('nobody', cwd, [
      'train',
      '--home',
      'home',
      '--data',
      'data/secret.csv',
      '--target',
      'b',
      '--learner',
      'ridge',
    ]);
    expect(train).toMatchObject({ code: 1, stdout: '' });
    expect(train.stderr).toMatch(/^mloop: .*secret\.csv: cannot read: EACCES: permission denied/);

    const profile = await mloopAs('nobody', cwd, ['data', 'profile', 'data/secret.csv']);
    expect(profile.code).toBe(1);
    expect(profile.stderr).toMatch(/^mloop: data\/secret\.csv: cannot read \(EACCES\)/);
  });
});
