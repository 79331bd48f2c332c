import { createHash, randomUUID } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, open, rename, rm, unlink } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { MloopClient } from '../../sdk/client.js';
import { DataError } from '../data-error.js';
import { type Manifest, parseManifest } from '../hash/manifest.js';
import type { StatCache } from '../hash/stat-cache.js';
import { walkFiles } from '../hash/walk.js';
import { type Progress, SILENT } from '../progress.js';
import type { ContentKind } from '../types.js';

export interface RestoreResult {
  files: number;
  bytes: number;
  removed: number;
}

/**
 * Puts a version's content at `target`: a file, or a directory made to match its manifest (files that already
 * match are kept, missing or different ones downloaded, extra ones removed). Each file is downloaded to a temporary
 * name beside it, checked against its hash and only then renamed into place.
 */
export async function restoreContent(
  client: MloopClient,
  hash: string,
  kind: ContentKind,
  target: string,
  opts: { cache?: StatCache; progress?: Progress } = {},
): Promise<RestoreResult> {
  const progress = opts.progress ?? SILENT;
  if (kind === 'file') {
    if (existsSync(target) && statSync(target).isDirectory())
      throw new DataError(
        { file: target },
        'a directory is in the way of the file to restore; move it first.',
      );
    progress.phase(`downloading ${hash.slice(0, 12)}`);
    const bytes = await download(client, hash, target, (b) => progress.update(b));
    progress.end();
    cacheRestored(opts.cache, target, hash);
    return { files: 1, bytes, removed: 0 };
  }
  const manifest = await fetchManifest(client, hash);
  if (existsSync(target) && !statSync(target).isDirectory())
    throw new DataError({ file: target }, 'a file is in the way of the directory to restore; move it first.');
  await mkdir(target, { recursive: true });
  const present = new Map((await walkFiles(target)).map((f) => [f.rel, f]));
  const wanted = new Set(manifest.files.map((f) => f.path));
  let removed = 0;
  for (const [rel, f] of present) {
    if (!wanted.has(rel)) {
      await unlink(f.abs);
      removed++;
    }
  }
  const known = opts.cache?.under(target);
  let files = 0;
  let bytes = 0;
  const total = manifest.files.reduce((s, f) => s + f.size, 0);
  progress.phase(`restoring ${manifest.files.length} files`, total);
  for (const f of manifest.files) {
    const abs = join(target, ...f.path.split('/'));
    const have = present.get(f.path);
    const row = known?.get(abs);
    const unchanged =
      have &&
      row &&
      row.hash === f.hash &&
      row.ino === have.ino &&
      row.mtime === have.mtimeMs &&
      row.size === have.size;
    if (!unchanged) {
      await mkdir(dirname(abs), { recursive: true });
      bytes += await download(client, f.hash, abs);
      cacheRestored(opts.cache, abs, f.hash);
      files++;
    }
    progress.update(bytes);
  }
  progress.end();
  return { files, bytes, removed };
}

async function fetchManifest(client: MloopClient, hash: string): Promise<Manifest> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of await client.getContent(hash)) chunks.push(chunk);
  const bytes = Buffer.concat(chunks);
  if (createHash('sha256').update(bytes).digest('hex') !== hash)
    throw new DataError(
      { file: `content ${hash}` },
      'the store sent a manifest that does not match its hash.',
    );
  return parseManifest(bytes);
}

async function download(
  client: MloopClient,
  hash: string,
  target: string,
  onBytes?: (n: number) => void,
): Promise<number> {
  const temp = join(dirname(target), `.${randomUUID()}.mloop-tmp`);
  await mkdir(dirname(target), { recursive: true });
  const handle = await open(temp, 'wx');
  const sha = createHash('sha256');
  let size = 0;
  try {
    for await (const chunk of await client.getContent(hash)) {
      sha.update(chunk);
      await handle.write(chunk);
      size += chunk.length;
      onBytes?.(size);
    }
    await handle.sync();
    await handle.close();
    const actual = sha.digest('hex');
    if (actual !== hash)
      throw new DataError(
        { file: target },
        `the store sent content hashing to ${actual}, not ${hash}; nothing was replaced.`,
      );
    await rm(target, { force: true });
    await rename(temp, target);
    return size;
  } catch (err) {
    await handle.close().catch(() => {});
    await unlink(temp).catch(() => {});
    throw err;
  }
}

function cacheRestored(cache: StatCache | undefined, file: string, hash: string): void {
  if (!cache) return;
  const st = statSync(file);
  cache.save([{ path: file, key: { ino: st.ino, mtimeMs: st.mtimeMs, size: st.size }, hash }]);
}
