import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { DataError } from '../data/data-error.js';
import { hashPath } from '../data/hash/manifest.js';
import type { StatCache } from '../data/hash/stat-cache.js';
import { walkTree } from '../data/hash/walk.js';
import { type LoadedPointer, POINTER_EXTENSION, readPointer } from '../data/pointer.js';
import { type Progress, SILENT } from '../data/progress.js';
import { detectFormat } from '../data/table/read.js';
import type { DatasetVersion } from '../data/types.js';
import { findPointers } from '../data/workspace/status.js';
import { parseVersionRef } from '../data/workspace/sync.js';
import type { MloopClient } from '../sdk/client.js';
import { MloopApiError } from '../sdk/errors.js';

/** What `--data` named, ready to read. */
export interface ResolvedData {
  /** The table files to read, in order (a directory's table files sorted by path). */
  files: string[];
  /** How to name the data in messages and records: `NAME@N` when it is a stored version, else the path. */
  label: string;
  /** SHA-256 of the file, or of the directory manifest. */
  hash: string;
  /** The dataset version, when the data is one in the store (it becomes the run's input). */
  version?: DatasetVersion;
  /** Why a local path is not linked to a version, when it has a pointer (modified, not pushed). */
  untrackedReason?: string;
  /** Removes what was downloaded. */
  cleanup(): Promise<void>;
}

const NO_CLEANUP = async () => {};

/**
 * Resolves `--data`: a table file, a directory of table files, or a dataset version `NAME@VERSION` (docs/data.md
 * refs: a number, a hash prefix or `latest`). A local path whose pointer file (`*.mloop` beside it) matches its
 * content is linked to that version when the store has it; a version is read from the working tree when a pointer
 * there holds it unchanged, else downloaded to a temporary directory.
 */
export async function resolveData(
  ref: string,
  client: MloopClient,
  opts: { cache?: StatCache; progress?: Progress } = {},
): Promise<ResolvedData> {
  const cacheOpt = opts.cache ? { cache: opts.cache } : {};
  if (existsSync(ref)) {
    const abs = resolve(ref);
    const files = await tableFiles(abs, ref);
    const { hash } = await hashPath(abs, cacheOpt);
    const pointer = (await pointersBeside(abs)).find((p) => p.dataPath === abs);
    if (!pointer) return { files, label: ref, hash, cleanup: NO_CLEANUP };
    if (pointer.hash !== hash)
      return {
        files,
        label: ref,
        hash,
        untrackedReason: `${ref} differs from its pointer ${pointer.name}@${pointer.version}; record it with 'mloop data add' to link runs to it`,
        cleanup: NO_CLEANUP,
      };
    const version = await client.getDatasetVersion(pointer.name, hash).catch((err: unknown) => {
      if (err instanceof MloopApiError && err.status === 404) return undefined;
      throw err;
    });
    if (!version)
      return {
        files,
        label: ref,
        hash,
        untrackedReason: `${pointer.name}@${pointer.version} is not in this store; run 'mloop data push' to record it here`,
        cleanup: NO_CLEANUP,
      };
    return { files, label: `${version.name}@${version.version}`, hash, version, cleanup: NO_CLEANUP };
  }
  if (!/^[^@\s]+@[^@\s]+$/.test(ref))
    throw new DataError(
      { file: ref },
      'no such file or directory, and not a dataset version (NAME@VERSION, e.g. flights@3 or flights@latest).',
    );
  const parsed = parseVersionRef(ref);
  const version = await client.getDatasetVersion(parsed.name, parsed.version).catch((err: unknown) => {
    if (err instanceof MloopApiError && err.status === 404)
      throw new DataError(
        { file: ref },
        `not a file, and not a dataset version in the store: ${err.message} 'mloop data list' shows the datasets.`,
      );
    throw err;
  });
  const label = `${version.name}@${version.version}`;
  const local = await unchangedLocalCopy(version, opts.cache);
  if (local)
    return { files: await tableFiles(local, label), label, hash: version.hash, version, cleanup: NO_CLEANUP };
  const temp = mkdtempSync(join(tmpdir(), 'mloop-data-'));
  try {
    const { restoreContent } = await import('../data/workspace/restore.js');
    const target = join(
      temp,
      version.kind === 'dir' ? version.name : `${version.name}${extensionOf(version)}`,
    );
    await restoreContent(client, version.hash, version.kind, target, {
      ...cacheOpt,
      progress: opts.progress ?? SILENT,
    });
    return {
      files: await tableFiles(target, label),
      label,
      hash: version.hash,
      version,
      cleanup: () => rm(temp, { recursive: true, force: true }),
    };
  } catch (err) {
    await rm(temp, { recursive: true, force: true });
    throw err;
  }
}

/** A downloaded file keeps the extension of its source path, so its format is known. */
function extensionOf(version: DatasetVersion): string {
  const m = /(\.[A-Za-z0-9]+)$/.exec(version.sourcePath);
  if (m) return m[1]!.toLowerCase();
  return version.format && version.format !== 'mixed' ? `.${version.format}` : '';
}

async function unchangedLocalCopy(version: DatasetVersion, cache?: StatCache): Promise<string | undefined> {
  let pointers: LoadedPointer[];
  try {
    pointers = (await findPointers([])).filter((p) => p.name === version.name && p.hash === version.hash);
  } catch {
    return undefined;
  }
  for (const p of pointers) {
    if (!existsSync(p.dataPath)) continue;
    const { hash } = await hashPath(p.dataPath, cache ? { cache } : {});
    if (hash === version.hash) return p.dataPath;
  }
  return undefined;
}

/** Pointer files in the directory that holds `abs` (invalid ones are skipped: they cannot name this data). */
async function pointersBeside(abs: string): Promise<LoadedPointer[]> {
  const dir = dirname(abs);
  const names = readdirSync(dir).filter((name) => name.endsWith(POINTER_EXTENSION));
  const read = await Promise.all(names.map((name) => readPointer(join(dir, name)).catch(() => undefined)));
  return read.filter((p): p is LoadedPointer => p !== undefined);
}

/** The table files of a path: the file itself, or a directory's files with a table extension, sorted by path. */
async function tableFiles(abs: string, label: string): Promise<string[]> {
  if (!statSync(abs).isDirectory()) return [abs];
  const tree = await walkTree(abs);
  const files = tree.paths
    .map((path, i) => ({ path, rel: tree.rels[i]! }))
    .filter((f) => detectFormat(f.rel) !== undefined)
    .sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  if (files.length === 0)
    throw new DataError(
      { file: label },
      'the directory holds no table files (.csv, .tsv, .jsonl, .ndjson, .parquet, .pq, .arrow, .feather, .ipc).',
    );
  return files.map((f) => f.path);
}
