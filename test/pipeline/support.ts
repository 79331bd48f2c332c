import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { StatCache } from '../../src/data/hash/stat-cache.js';
import { LocalExecutor } from '../../src/pipeline/executors/local.js';
import { openProject, openStageCache } from '../../src/pipeline/project.js';
import { type ReproEvent, type ReproOptions, repro } from '../../src/pipeline/repro.js';

/** A temporary project directory with the given files (nested paths allowed). */
export function project(files: Record<string, string>): string {
  const dir = mkdtempSync(join(tmpdir(), 'mloop-pipe-'));
  write(dir, files);
  return dir;
}

export function write(dir: string, files: Record<string, string>): void {
  for (const [name, content] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), content);
  }
}

/** Runs `repro` in-process with the local executor and a private stat cache; collects the events. */
export async function reproIn(
  dir: string,
  opts: Partial<Omit<ReproOptions, 'root' | 'dag' | 'executor' | 'cache'>> = {},
) {
  const p = openProject({ cwd: dir });
  const statCache = new StatCache(join(dir, '.state'));
  const cache = openStageCache(dir);
  const events: ReproEvent[] = [];
  try {
    const result = await repro({
      root: dir,
      dag: p.dag,
      executor: new LocalExecutor(dir, cache, statCache),
      cache,
      statCache,
      onEvent: (e) => events.push(e),
      ...opts,
    });
    return { ...result, events, byStage: Object.fromEntries(result.stages.map((s) => [s.stage, s])) };
  } finally {
    statCache.close();
  }
}
