import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml, stringify } from 'yaml';
import { PipelineError } from './errors.js';

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
const HEADER =
  '# Written by mloop run/repro: per stage, the hashes of deps, params and outputs. Commit it with mloop.yaml.\n';

export function parseLock(text: string, what = LOCK_NAME): LockFile {
  let doc: unknown;
  try {
    doc = parseYaml(text);
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

/** Writes the whole lock atomically (temporary file, then rename), stages in name order. */
export function writeLock(root: string, lock: LockFile): void {
  const stages = Object.fromEntries(
    Object.keys(lock.stages)
      .sort()
      .map((k) => [k, lock.stages[k]!]),
  );
  const temp = join(root, `.${LOCK_NAME}.${randomUUID()}.tmp`);
  writeFileSync(temp, HEADER + stringify({ schema: 1, stages }, { lineWidth: 0 }));
  renameSync(temp, join(root, LOCK_NAME));
}
