import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** Runs git in `cwd` with a fixed identity and no user or system configuration. */
export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=Test', '-c', 'user.email=test@example.com', ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' },
  }).trim();
}

/** A fresh repository on branch `main` with one committed file, `train.py`. */
export function makeRepo(opts: { remote?: string } = {}): { dir: string; commit: string } {
  const dir = mkdtempSync(join(tmpdir(), 'mloop-git-'));
  git(dir, 'init', '-q', '-b', 'main');
  writeFileSync(join(dir, 'train.py'), 'print("train")\n');
  git(dir, 'add', 'train.py');
  git(dir, 'commit', '-q', '-m', 'first');
  if (opts.remote) git(dir, 'remote', 'add', 'origin', opts.remote);
  return { dir, commit: git(dir, 'rev-parse', 'HEAD') };
}
