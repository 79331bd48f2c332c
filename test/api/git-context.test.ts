import { mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { gitContext, gitTags, withoutCredentials } from '../../src/sdk/git.js';
import { git, makeRepo } from '../support/git-repo.js';

describe('gitContext', () => {
  it('is undefined outside a repository and in one without commits', async () => {
    const outside = mkdtempSync(join(tmpdir(), 'mloop-nogit-'));
    expect(await gitContext(outside)).toBeUndefined();
    git(outside, 'init', '-q');
    expect(await gitContext(outside)).toBeUndefined();
    expect(await gitContext(join(outside, 'does-not-exist'))).toBeUndefined();
  });

  it('reads commit, branch, remote and whether tracked files changed', async () => {
    const { dir, commit } = makeRepo({ remote: 'https://alice:s3cret@git.example.com/team/churn.git' });
    const clean = await gitContext(dir);
    expect(clean).toEqual({
      commit,
      dirty: false,
      root: realpathSync(dir),
      branch: 'main',
      repoUrl: 'https://git.example.com/team/churn.git',
    });
    writeFileSync(join(dir, 'notes.txt'), 'untracked files do not make the tree dirty');
    expect((await gitContext(dir))?.dirty).toBe(false);
    writeFileSync(join(dir, 'train.py'), 'print("changed")\n');
    expect((await gitContext(dir))?.dirty).toBe(true);
    git(dir, 'checkout', '-q', '--detach');
    const detached = await gitContext(dir);
    expect(detached?.branch).toBeUndefined();
    expect(detached?.commit).toBe(commit);
  });

  it('strips credentials from remote URLs and keeps other forms', () => {
    expect(withoutCredentials('https://user:token@github.com/a/b.git')).toBe('https://github.com/a/b.git');
    expect(withoutCredentials('https://token@github.com/a/b.git')).toBe('https://github.com/a/b.git');
    expect(withoutCredentials('ssh://git@host:22/a/b.git')).toBe('ssh://host:22/a/b.git');
    expect(withoutCredentials('git@github.com:a/b.git')).toBe('git@github.com:a/b.git');
  });

  it('turns a context into run tags, naming the entry script relative to the repository', () => {
    const context = { commit: 'a'.repeat(40), dirty: true, root: '/repo', branch: 'main' };
    expect(gitTags(context, '/repo/src/train.js')).toEqual([
      { key: 'mlflow.source.git.commit', value: 'a'.repeat(40) },
      { key: 'mloop.source.git.dirty', value: 'true' },
      { key: 'mlflow.source.git.branch', value: 'main' },
      { key: 'mlflow.source.name', value: 'src/train.js' },
    ]);
    expect(gitTags(context, '/elsewhere/run.js').at(-1)).toEqual({
      key: 'mlflow.source.name',
      value: '/elsewhere/run.js',
    });
    expect(gitTags({ ...context, dirty: false }, '')).toHaveLength(3);
  });
});
