import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';

export interface CommandResult {
  /** Exit code, or null when killed (timeout, server stopping). */
  code: number | null;
  timedOut: boolean;
  /** Killed because the controller is stopping. */
  aborted: boolean;
  stdout: string;
  /** The last lines of stdout and stderr together, for events. */
  tail: string[];
  durationMs: number;
}

export interface CommandSpec {
  /** Run through `sh -c` (a shell command line from the policy) or exactly (file + args). */
  shell?: string;
  file?: string;
  args?: string[];
  cwd: string;
  env: Record<string, string>;
  timeoutMs: number;
  /** The whole output goes here as it arrives. */
  logFile: string;
  signal: AbortSignal;
}

const TAIL_LINES = 40;
const STDOUT_MAX = 4 * 1024 * 1024;

/**
 * Runs a loop step's command in its own process group, streaming its output to a log file and keeping the last
 * lines; a timeout or an abort kills the whole group (SIGTERM, then SIGKILL after 5 s).
 */
export function runCommand(spec: CommandSpec): Promise<CommandResult> {
  mkdirSync(dirname(spec.logFile), { recursive: true });
  const log = createWriteStream(spec.logFile, { flags: 'a' });
  const started = Date.now();
  const [file, args] = spec.shell !== undefined ? ['sh', ['-c', spec.shell]] : [spec.file!, spec.args ?? []];
  log.write(`$ ${spec.shell ?? [file, ...args].join(' ')}\n`);
  return new Promise((resolve) => {
    const child = spawn(file, args, {
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    let stdout = '';
    const tail: string[] = [];
    const partial = { out: '', err: '' };
    const take = (which: 'out' | 'err', chunk: Buffer) => {
      log.write(chunk);
      const text = partial[which] + chunk.toString('utf8');
      const lines = text.split('\n');
      partial[which] = lines.pop() ?? '';
      tail.push(...lines);
      if (tail.length > TAIL_LINES) tail.splice(0, tail.length - TAIL_LINES);
      if (which === 'out' && stdout.length < STDOUT_MAX) stdout += chunk.toString('utf8');
    };
    child.stdout.on('data', (c: Buffer) => take('out', c));
    child.stderr.on('data', (c: Buffer) => take('err', c));
    let timedOut = false;
    let aborted = false;
    let killTimer: NodeJS.Timeout | undefined;
    const kill = () => {
      try {
        if (child.pid) process.kill(-child.pid, 'SIGTERM');
      } catch {
        /* already gone */
      }
      killTimer = setTimeout(() => {
        try {
          if (child.pid) process.kill(-child.pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }, 5000);
      killTimer.unref();
    };
    const timer = setTimeout(() => {
      timedOut = true;
      kill();
    }, spec.timeoutMs);
    const onAbort = () => {
      aborted = true;
      kill();
    };
    spec.signal.addEventListener('abort', onAbort, { once: true });
    let done = false;
    const finish = (code: number | null, error?: Error) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      spec.signal.removeEventListener('abort', onAbort);
      for (const rest of [partial.out, partial.err]) if (rest) tail.push(rest);
      if (error) tail.push(`mloop: could not start the command: ${error.message}`);
      if (tail.length > TAIL_LINES) tail.splice(0, tail.length - TAIL_LINES);
      log.end(`\n[exit ${code ?? 'killed'}${timedOut ? ', timed out' : ''}${aborted ? ', aborted' : ''}]\n`);
      resolve({ code, timedOut, aborted, stdout, tail, durationMs: Date.now() - started });
    };
    child.once('error', (err) => finish(null, err));
    child.once('close', (code) => finish(code));
  });
}
