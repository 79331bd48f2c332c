import { execFile } from 'node:child_process';
import { BIN } from './server-process.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs the built CLI (`bin/mloop.js` → dist/) in `cwd` as a user would, without the caller's MLOOP_/MLFLOW_
 * settings and without colour, so output can be matched as text.
 */
export function runMloop(
  cwd: string,
  args: string[],
  opts: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<CliResult> {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(MLOOP_|MLFLOW_|FORCE_COLOR)/.test(k)),
  );
  return new Promise((done) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      {
        cwd,
        env: { ...clean, NO_COLOR: '1', ...opts.env },
        timeout: opts.timeoutMs ?? 120_000,
        maxBuffer: 64 * 1024 * 1024,
      },
      (err, stdout, stderr) =>
        done({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
    );
  });
}
