import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, REPO_ROOT } from '../support/server-process.js';

export interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** The environment of a CLI child: no inherited tracking settings, no colour, a private stat cache. */
export function cliEnv(cwd: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(MLOOP_|MLFLOW_|FORCE_COLOR)/.test(k)),
  );
  return { ...clean, NO_COLOR: '1', MLOOP_STATE_DIR: join(cwd, '.state'), ...extra };
}

/** Runs the built CLI in `cwd`. */
export function mloop(cwd: string, args: string[], extra: NodeJS.ProcessEnv = {}): Promise<Result> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd, env: cliEnv(cwd, extra), timeout: 120_000 },
      (err, stdout, stderr) =>
        done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}

/** Starts the built CLI as a long-running child. */
export function spawnMloop(cwd: string, args: string[], extra: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(process.execPath, [BIN, ...args], {
    cwd,
    env: cliEnv(cwd, extra),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

export function requireBuild(): void {
  if (!existsSync(join(REPO_ROOT, 'dist/cli/pipeline-actions.js')))
    throw new Error('dist/ is missing or stale: run `npm run build` first.');
}
