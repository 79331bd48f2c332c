import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PipelineError } from './errors.js';
import { yaml } from './yaml-lazy.js';

/** A hashed file or directory (directories hash as their manifest, as in the data layer). */
export interface HashedPath {
  path: string;
  hash: string;
  size: number;
  kind: 'file' | 'dir';
  files?: number;
}

/** What the lock file records for a stage that last succeeded (DVC's dvc.lock entry). */
export interface LockEntry {
  key: string;
  cmd: string[];
  deps: HashedPath[];
  params: Record<string, unknown>;
  outs: HashedPath[];
  /** The definition fields beyond cmd/deps/params that enter the cache key (outs, wdir, env…), as hashed. */
  definition: string;
  /** The tracked run that produced the outputs, when tracking was on. */
  run?: string;
}

export interface LockFile {
  schema: 1;
  stages: Record<string, LockEntry>;
}

export const LOCK_NAME = 'mloop.lock';

export function parseLock(text: string, what = LOCK_NAME): LockFile {
  let doc: unknown;
  try {
    // Written as JSON (which is YAML too): fast to read back; a hand-edited YAML lock still parses.
    doc = text.trim() === '' ? null : JSON.parse(text);
  } catch {
    doc = undefined;
  }
  if (doc === undefined)
    try {
      doc = yaml().parse(text);
    } catch (err) {
      throw new PipelineError(
        'SPEC_INVALID',
        `${what}: not valid YAML: ${(err as Error).message.split('\n')[0]}`,
      );
    }
  if (doc === null || doc === undefined) return { schema: 1, stages: {} };
  const lock = doc as Partial<LockFile>;
  if (lock.schema !== 1 || typeof lock.stages !== 'object' || lock.stages === null)
    throw new PipelineError(
      'SPEC_INVALID',
      `${what}: not an mloop lock file (expected "schema: 1" and "stages"); delete it and run "mloop repro".`,
    );
  return lock as LockFile;
}

export function readLock(root: string): LockFile {
  const file = join(root, LOCK_NAME);
  return existsSync(file) ? parseLock(readFileSync(file, 'utf8')) : { schema: 1, stages: {} };
}

/**
 * Writes the whole lock atomically (temporary file, then rename), stages in name order. The format is JSON — valid
 * YAML 1.2, one value per line, so it diffs and merges like dvc.lock — because JSON reads back ten times faster.
 */
export function writeLock(root: string, lock: LockFile): void {
  const stages = Object.fromEntries(
    Object.keys(lock.stages)
      .sort()
      .map((k) => [k, lock.stages[k]!]),
  );
  const temp = join(root, `.${LOCK_NAME}.${randomUUID()}.tmp`);
  writeFileSync(temp, `${JSON.stringify({ schema: 1, stages }, null, 2)}\n`);
  renameSync(temp, join(root, LOCK_NAME));
}
