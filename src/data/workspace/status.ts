import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DataError } from '../data-error.js';
import { hashPath } from '../hash/manifest.js';
import type { StatCache } from '../hash/stat-cache.js';
import { type LoadedPointer, POINTER_EXTENSION, readPointer } from '../pointer.js';

const SKIP = new Set(['.git', 'node_modules', '.mloop', '.cache', '.venv']);

/**
 * Pointer files named directly, found under directories (skipping .git, node_modules and .mloop), or — for a data
 * path — the pointers beside it that name it.
 */
export async function findPointers(targets: readonly string[]): Promise<LoadedPointer[]> {
  const files = new Set<string>();
  const dataPaths = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) {
        if (!SKIP.has(entry.name)) walk(join(dir, entry.name));
      } else if (entry.name.endsWith(POINTER_EXTENSION) && entry.isFile()) files.add(join(dir, entry.name));
    }
  };
  for (const target of targets.length ? targets : ['.']) {
    const abs = resolve(target);
    const st = statSync(abs, { throwIfNoEntry: false });
    if (!st) throw new DataError({ file: target }, 'no such file or directory.');
    if (st.isDirectory()) walk(abs);
    else if (abs.endsWith(POINTER_EXTENSION)) files.add(abs);
    else dataPaths.add(abs);
  }
  const pointers = await Promise.all([...files].sort().map((f) => readPointer(f)));
  if (dataPaths.size === 0) return pointers;
  const beside = [...new Set([...dataPaths].map((d) => dirname(d)))].flatMap((dir) =>
    readdirSync(dir)
      .filter((name) => name.endsWith(POINTER_EXTENSION))
      .map((name) => join(dir, name)),
  );
  const named = (await Promise.all(beside.filter((f) => !files.has(f)).map((f) => readPointer(f)))).filter(
    (p) => dataPaths.has(p.dataPath),
  );
  return [...pointers, ...named];
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
