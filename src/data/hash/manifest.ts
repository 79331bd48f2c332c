import { createHash } from 'node:crypto';
import { type Stats, statSync } from 'node:fs';
import { resolve } from 'node:path';
import { DataError } from '../data-error.js';
import { hashFile } from './sha256-file.js';
import type { StatCache } from './stat-cache.js';
import { sortedFiles, walkToken, walkTree } from './walk.js';

/** One file of a directory version; `path` is relative, with '/' separators. */
export interface ManifestEntry {
  path: string;
  size: number;
  hash: string;
}

/** A directory hashes as the SHA-256 of its manifest: the sorted list of its files with their sizes and hashes. */
export interface Manifest {
  version: 1;
  files: ManifestEntry[];
}

/** The canonical bytes of a manifest (stored as a blob like any file; its hash is the directory's hash). */
export function manifestBytes(manifest: Manifest): Buffer {
  const files = [...manifest.files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return Buffer.from(
    `{"version":1,"files":[${files.map((f) => `{"path":${JSON.stringify(f.path)},"size":${f.size},"hash":"${f.hash}"}`).join(',')}]}\n`,
  );
}

export function parseManifest(bytes: Buffer | string): Manifest {
  const parsed = JSON.parse(bytes.toString()) as Manifest;
  if (parsed?.version !== 1 || !Array.isArray(parsed.files)) throw new Error('not a directory manifest');
  return parsed;
}

export interface PathHash {
  kind: 'file' | 'dir';
  hash: string;
  size: number;
  files: number;
  /** For a directory: its manifest. */
  manifest?: Manifest;
}

export interface HashPathOptions {
  cache?: StatCache;
  /** Bytes hashed so far (files found in the cache are not hashed and not counted). */
  onProgress?: (bytes: number) => void;
  /** Whether a directory's manifest is needed (status does not need it when the directory token matches). */
  needManifest?: boolean;
}

/**
 * Hashes a file or a directory, using the stat cache to skip files whose (inode, mtime, size) are unchanged. A
 * directory whose walk token (every file's path, inode, mtime and size) matches the cache is answered from it.
 */
export async function hashPath(path: string, opts: HashPathOptions = {}): Promise<PathHash> {
  const abs = resolve(path);
  let st: Stats;
  try {
    st = statSync(abs);
  } catch (err) {
    throw new DataError({ file: path }, `cannot read: ${(err as Error).message}.`, { cause: err });
  }
  const cache = opts.cache;
  if (st.isFile()) {
    const key = { ino: st.ino, mtimeMs: st.mtimeMs, size: st.size };
    const cached = cache?.lookup(abs, key);
    if (cached) return { kind: 'file', hash: cached, size: st.size, files: 1 };
    const h = await hashFile(abs, { ...(opts.onProgress ? { onProgress: opts.onProgress } : {}) });
    cache?.save([
      { path: abs, key: { ino: h.stat.ino, mtimeMs: h.stat.mtimeMs, size: h.size }, hash: h.hash },
    ]);
    return { kind: 'file', hash: h.hash, size: h.size, files: 1 };
  }
  if (!st.isDirectory()) throw new DataError({ file: path }, 'not a regular file or directory.');

  const tree = await walkTree(abs);
  const { token: walkTokenHex, size } = walkToken(tree);
  const dirHit = cache?.dir(abs);
  if (dirHit && dirHit.token === walkTokenHex && !opts.needManifest)
    return { kind: 'dir', hash: dirHit.hash, size: dirHit.size, files: dirHit.files };
  const files = sortedFiles(tree);

  const known = cache ? cache.under(abs) : new Map();
  const entries: ManifestEntry[] = [];
  const fresh: { path: string; key: { ino: number; mtimeMs: number; size: number }; hash: string }[] = [];
  let hashed = 0;
  for (const f of files) {
    const row = known.get(f.abs);
    if (row && row.ino === f.ino && row.mtime === f.mtimeMs && row.size === f.size) {
      entries.push({ path: f.rel, size: f.size, hash: row.hash });
      continue;
    }
    const base = hashed;
    const h = await hashFile(
      f.abs,
      opts.onProgress ? { onProgress: (b) => opts.onProgress?.(base + b) } : {},
    );
    hashed += h.size;
    if (h.stat.mtimeMs !== f.mtimeMs || h.size !== f.size)
      throw new DataError(
        { file: f.abs },
        'the file changed while the directory was being hashed; try again once it is written.',
      );
    entries.push({ path: f.rel, size: h.size, hash: h.hash });
    fresh.push({
      path: f.abs,
      key: { ino: f.ino, mtimeMs: f.mtimeMs, size: h.size },
      hash: h.hash,
    });
  }
  cache?.save(fresh);
  const manifest: Manifest = { version: 1, files: entries };
  const hash = createHash('sha256').update(manifestBytes(manifest)).digest('hex');
  cache?.saveDir(abs, { token: walkTokenHex, hash, size, files: files.length });
  return { kind: 'dir', hash, size, files: files.length, manifest };
}
