import { spawn } from 'node:child_process';
import { closeSync, openSync, readSync, statSync, writeSync } from 'node:fs';

export interface CommandResult {
  ok: boolean;
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  interrupted: boolean;
  /** Index of the command that failed, when there are several. */
  failedCommand?: number;
}

export interface RunCommandOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Appends every line of output here (the stage's log file). */
  logFile: string;
  /** Each complete line of output, for prefixed streaming. */
  onLine?: (line: string, stream: 'stdout' | 'stderr') => void;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Grace period between SIGTERM and SIGKILL for a process group being stopped. */
const KILL_GRACE_MS = 2000;

/**
 * The stage's shell first starts a watcher in the stage's process group that blocks reading fd 3, a pipe whose other
 * end only this process holds. If this process dies — even by SIGKILL, which no handler sees — the read returns EOF
 * and the watcher kills the whole group, so a stage never outlives the mloop (or worker) that ran it. `exec` keeps
 * the shell's pid as the group leader and makes its exit status the command's; the command itself does not see fd 3.
 * The watcher ignores the SIGTERM a timeout or Ctrl-C sends the group, so it still guards the grace period before
 * SIGKILL.
 */
const SUPERVISED =
  '{ trap "" TERM; read -r _ <&3; kill -KILL 0; } </dev/null >/dev/null 2>&1 & exec /bin/sh -c "$1" 3<&-';

/**
 * Runs shell commands one after another, each in its own process group (so a timeout or Ctrl-C stops everything the
 * command started, not only the shell), stopping at the first failure. Output goes to the log file and, line by
 * line, to `onLine`.
 */
export async function runCommands(
  commands: readonly string[],
  opts: RunCommandOptions,
): Promise<CommandResult> {
  const log = openSync(opts.logFile, 'a');
  const deadline = opts.timeoutMs === undefined ? undefined : Date.now() + opts.timeoutMs;
  try {
    for (const [i, command] of commands.entries()) {
      writeSync(log, `$ ${command}\n`);
      const result = await runOne(command, opts, log, deadline);
      if (!result.ok) return { ...result, ...(commands.length > 1 ? { failedCommand: i } : {}) };
    }
    return { ok: true, exitCode: 0, signal: null, timedOut: false, interrupted: false };
  } finally {
    closeSync(log);
  }
}

function runOne(
  command: string,
  opts: RunCommandOptions,
  log: number,
  deadline?: number,
): Promise<CommandResult> {
  return new Promise((resolve) => {
    if (opts.signal?.aborted)
      return resolve({ ok: false, exitCode: null, signal: null, timedOut: false, interrupted: true });
    const child = spawn('/bin/sh', ['-c', SUPERVISED, 'sh', command], {
      cwd: opts.cwd,
      env: opts.env,
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    });
    let timedOut = false;
    let interrupted = false;
    let killTimer: NodeJS.Timeout | undefined;
    const stop = () => {
      if (child.pid === undefined || killTimer) return;
      try {
        process.kill(-child.pid, 'SIGTERM');
      } catch {}
      killTimer = setTimeout(() => {
        try {
          process.kill(-child.pid!, 'SIGKILL');
        } catch {}
      }, KILL_GRACE_MS);
    };
    const timer =
      deadline === undefined
        ? undefined
        : setTimeout(
            () => {
              timedOut = true;
              stop();
            },
            Math.max(0, deadline - Date.now()),
          );
    const onAbort = () => {
      interrupted = true;
      stop();
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const pump = (stream: NodeJS.ReadableStream, name: 'stdout' | 'stderr') => {
      let rest = '';
      stream.setEncoding('utf8');
      stream.on('data', (chunk: string) => {
        writeSync(log, chunk);
        const lines = (rest + chunk).split('\n');
        rest = lines.pop()!;
        for (const line of lines) opts.onLine?.(line, name);
      });
      stream.on('end', () => {
        if (rest) {
          opts.onLine?.(rest, name);
          writeSync(log, '\n');
        }
      });
    };
    pump(child.stdout!, 'stdout');
    pump(child.stderr!, 'stderr');
    child.on('error', (err) => {
      writeSync(log, `cannot start /bin/sh: ${err.message}\n`);
    });
    // The command is done when its shell exits: whatever it left behind in its group goes too (the watcher among
    // them, which holds the other end of fd 3, so the child's streams can close).
    child.on('exit', () => {
      if (child.pid !== undefined)
        try {
          process.kill(-child.pid, 'SIGKILL');
        } catch {}
      child.stdio[3]?.destroy();
    });
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      resolve({ ok: code === 0 && !timedOut && !interrupted, exitCode: code, signal, timedOut, interrupted });
    });
  });
}

/** The last `n` lines of a log file (reads at most the last 64 KiB). */
export function tailLines(file: string, n: number): string[] {
  let size: number;
  try {
    size = statSync(file).size;
  } catch {
    return [];
  }
  const length = Math.min(size, 65536);
  const buf = Buffer.alloc(length);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, buf, 0, length, size - length);
  } finally {
    closeSync(fd);
  }
  const lines = buf.toString('utf8').split('\n');
  if (lines.at(-1) === '') lines.pop();
  return lines.slice(-n);
}
