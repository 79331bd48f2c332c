import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { StatCache } from '../../data/hash/stat-cache.js';
import type { ExecOutcome, Executor, StageTask } from '../executor.js';
import { hashOne } from '../fingerprint.js';
import type { HashedPath } from '../lock.js';
import { runCommands } from '../run-command.js';
import { producedPaths } from '../spec.js';
import { removePath, type StageCache } from '../stage-cache.js';

/** Runs stages as child processes in the project directory; parallelism comes from the scheduler's `-j`. */
export class LocalExecutor implements Executor {
  constructor(
    private readonly root: string,
    private readonly cache: StageCache,
    private readonly statCache?: StatCache,
    private readonly baseEnv: NodeJS.ProcessEnv = process.env,
  ) {}

  async execute(task: StageTask): Promise<ExecOutcome> {
    return runInWorkspace(this.root, task, this.cache, this.statCache, this.baseEnv);
  }

  async close(): Promise<void> {}
}

/**
 * Runs a stage in a directory holding its deps: removes stale outputs first (so a stage cannot pass by leaving an old
 * file in place), runs the commands, requires every declared output, then hashes the outputs and stores them in the
 * cache. Shared by the local executor (the project) and queue workers (a scratch directory).
 */
export async function runInWorkspace(
  dir: string,
  task: StageTask,
  cache: StageCache,
  statCache: StatCache | undefined,
  baseEnv: NodeJS.ProcessEnv,
): Promise<ExecOutcome> {
  const { stage } = task;
  for (const out of producedPaths(stage)) {
    await removePath(join(dir, out));
    mkdirSync(dirname(join(dir, out)), { recursive: true });
  }
  const cwd = join(dir, stage.wdir);
  mkdirSync(cwd, { recursive: true });
  const result = await runCommands(stage.cmd, {
    cwd,
    env: { ...baseEnv, ...stage.env, ...task.env, MLOOP_ROOT: dir },
    logFile: task.logFile,
    onLine: task.onLine,
    signal: task.signal,
    ...(stage.timeoutMs === undefined ? {} : { timeoutMs: stage.timeoutMs }),
  });
  if (!result.ok) return { ok: false, result };
  const outs: HashedPath[] = [];
  const missing: string[] = [];
  for (const path of producedPaths(stage)) {
    const h = await hashOne(dir, path, statCache);
    if (h) outs.push(h);
    else missing.push(path);
  }
  if (missing.length) return { ok: false, result, missing };
  for (const out of outs) await cache.putPath(join(dir, out.path), out);
  return { ok: true, outs };
}
