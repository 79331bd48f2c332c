import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { hashPath } from '../hash/manifest.js';
import type { StatCache } from '../hash/stat-cache.js';
import { type LoadedPointer, POINTER_EXTENSION, readPointer } from '../pointer.js';

const SKIP = new Set(['.git', 'node_modules', '.mloop', '.cache', '.venv']);

/** Pointer files named directly, or found under directories (skipping .git, node_modules and .mloop). */
export async function findPointers(targets: readonly string[]): Promise<LoadedPointer[]> {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (!SKIP.has(entry.name)) walk(join(dir, entry.name));
      } else if (entry.name.endsWith(POINTER_EXTENSION) && entry.isFile()) files.push(join(dir, entry.name));
    }
  };
  for (const target of targets.length ? targets : ['.']) {
    const abs = resolve(target);
    if (abs.endsWith(POINTER_EXTENSION) && existsSync(abs)) files.push(abs);
    else if (existsSync(`${abs}${POINTER_EXTENSION}`)) files.push(`${abs}${POINTER_EXTENSION}`);
    else walk(abs);
  }
  const pointers = await Promise.all([...new Set(files)].sort().map((f) => readPointer(f)));
  return pointers;
}

export type DataState = 'unchanged' | 'modified' | 'missing';

export interface PointerStatus {
  pointer: LoadedPointer;
  state: DataState;
  /** The hash of what is in the working tree now (absent when missing). */
  hash?: string;
  size?: number;
}

/** What changed in the working tree since each pointer: a stat per file, hashing only what the cache cannot vouch for. */
export async function dataStatus(
  pointers: readonly LoadedPointer[],
  cache?: StatCache,
): Promise<PointerStatus[]> {
  const out: PointerStatus[] = [];
  for (const pointer of pointers) {
    if (!existsSync(pointer.dataPath)) {
      out.push({ pointer, state: 'missing' });
      continue;
    }
    const h = await hashPath(pointer.dataPath, cache ? { cache } : {});
    out.push({
      pointer,
      state: h.hash === pointer.hash ? 'unchanged' : 'modified',
      hash: h.hash,
      size: h.size,
    });
  }
  return out;
}
