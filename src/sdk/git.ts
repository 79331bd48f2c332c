import { execFile } from 'node:child_process';
import { isAbsolute, relative, resolve } from 'node:path';
import { TAG, type Tag } from '../tracking/types.js';

/** The code a run was started from. */
export interface GitContext {
  /** Full hash of HEAD. */
  commit: string;
  /** Whether tracked files differ from HEAD (untracked files are not counted); true when it could not be told. */
  dirty: boolean;
  /** Absolute path of the working tree's top directory. */
  root: string;
  /** Current branch; absent on a detached HEAD. */
  branch?: string;
  /** URL of the `origin` remote, with any credentials removed. */
  repoUrl?: string;
}

const TIMEOUT_MS = 3000;

/** Runs git; its output, or undefined on any failure (no git, not a repository, timeout). Never throws. */
function git(cwd: string, args: string[]): Promise<string | undefined> {
  return new Promise((done) => {
    execFile(
      'git',
      args,
      {
        cwd,
        timeout: TIMEOUT_MS,
        maxBuffer: 1 << 20,
        windowsHide: true,
        // Read-only: never take the index lock, so a concurrent `git commit` in the same repository is not disturbed.
        env: { ...process.env, GIT_OPTIONAL_LOCKS: '0' },
      },
      (err, stdout) => done(err ? undefined : stdout.trim()),
    );
  });
}

/** The git state of `cwd`, or undefined outside a repository (or in one without commits). */
export async function gitContext(cwd: string = process.cwd()): Promise<GitContext | undefined> {
  const head = await git(cwd, ['rev-parse', '--show-toplevel', 'HEAD']);
  const [root, commit] = head?.split('\n') ?? [];
  if (!root || !commit || !/^[0-9a-f]{40,64}$/.test(commit)) return undefined;
  const [status, branch, remote] = await Promise.all([
    git(cwd, ['status', '--porcelain', '--untracked-files=no']),
    git(cwd, ['symbolic-ref', '--quiet', '--short', 'HEAD']),
    git(cwd, ['config', '--get', 'remote.origin.url']),
  ]);
  return {
    commit,
    // An unknown status counts as dirty: the commit alone may not reproduce the code.
    dirty: status !== '',
    root,
    ...(branch ? { branch } : {}),
    ...(remote ? { repoUrl: withoutCredentials(remote) } : {}),
  };
}

/** `https://user:token@host/repo` → `https://host/repo`: a run's tags are readable by everyone who sees the run. */
export function withoutCredentials(url: string): string {
  return url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^/@]*@/i, '$1');
}

/** The run tags that record a git context; the entry script is named relative to the repository root. */
export function gitTags(context: GitContext, entry: string | undefined = process.argv[1]): Tag[] {
  const tags: Tag[] = [
    { key: TAG.gitCommit, value: context.commit },
    { key: TAG.gitDirty, value: String(context.dirty) },
  ];
  if (context.branch) tags.push({ key: TAG.gitBranch, value: context.branch });
  if (context.repoUrl) tags.push({ key: TAG.gitRepoUrl, value: context.repoUrl });
  if (entry) {
    const path = relative(context.root, resolve(entry));
    const inside = path !== '' && !path.startsWith('..') && !isAbsolute(path);
    tags.push({ key: TAG.sourceName, value: inside ? path.split('\\').join('/') : resolve(entry) });
  }
  return tags;
}
