import { existsSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';
import type { MloopClient } from '../../sdk/client.js';
import { MloopApiError } from '../../sdk/errors.js';
import { DataError } from '../data-error.js';
import type { StatCache } from '../hash/stat-cache.js';
import { type LoadedPointer, pointerFileFor, writePointer } from '../pointer.js';
import { type Progress, SILENT } from '../progress.js';
import { addDataset } from './add.js';
import { restoreContent } from './restore.js';
import { dataStatus } from './status.js';

export interface SyncOptions {
  cache?: StatCache;
  progress?: Progress;
  /** Pull/checkout: overwrite data that differs from its pointer. */
  force?: boolean;
}

export interface PushResult {
  pointer: string;
  name: string;
  version: number;
  uploaded: { files: number; bytes: number };
  /** Whether the store lacked the version record and it was recorded now (its number may differ). */
  recorded: boolean;
}

/**
 * `mloop data push`: make the store hold what each pointer names — its content and its version record. The data
 * must be what the pointer says (else `mloop data add` first). A store that lacks the version (another server, a
 * fresh home) records it, and the pointer takes that store's version number.
 */
export async function pushPointers(
  client: MloopClient,
  pointers: readonly LoadedPointer[],
  opts: SyncOptions = {},
): Promise<PushResult[]> {
  const results: PushResult[] = [];
  for (const p of pointers) {
    if (!existsSync(p.dataPath))
      throw new DataError(
        { file: p.dataPath },
        `the data of ${p.name}@${p.version} is missing from the working tree; nothing to push.`,
      );
    const r = await addDataset(client, p.dataPath, {
      name: p.name,
      expectHash: p.hash,
      gitignore: false,
      ...(opts.cache ? { cache: opts.cache } : {}),
      ...(opts.progress ? { progress: opts.progress } : {}),
    });
    results.push({
      pointer: p.file,
      name: p.name,
      version: r.version.version,
      uploaded: r.uploaded,
      recorded: r.created,
    });
  }
  return results;
}

export interface PullResult {
  pointer: string;
  name: string;
  version: number;
  action: 'up-to-date' | 'restored';
  files: number;
  bytes: number;
}

/** `mloop data pull`: make the working tree hold what each pointer names, downloading from the store. */
export async function pullPointers(
  client: MloopClient,
  pointers: readonly LoadedPointer[],
  opts: SyncOptions = {},
): Promise<PullResult[]> {
  const results: PullResult[] = [];
  for (const status of await dataStatus(pointers, opts.cache)) {
    const p = status.pointer;
    const base = { pointer: p.file, name: p.name, version: p.version };
    if (status.state === 'unchanged') {
      results.push({ ...base, action: 'up-to-date', files: 0, bytes: 0 });
      continue;
    }
    if (status.state === 'modified' && !opts.force) {
      throw new DataError(
        { file: p.dataPath },
        `the data differs from its pointer ${p.name}@${p.version}; pull would overwrite it. ` +
          "Record it with 'mloop data add', or pass --force to discard the changes.",
      );
    }
    const r = await restoreContent(client, p.hash, p.kind, p.dataPath, restoreOpts(opts));
    results.push({ ...base, action: 'restored', files: r.files, bytes: r.bytes });
  }
  return results;
}

export interface CheckoutResult {
  pointer: string;
  name: string;
  version: number;
  hash: string;
  path: string;
  files: number;
  bytes: number;
}

/**
 * `mloop data checkout NAME@VERSION`: restore that version into the working tree at its pointer's path (or `out`)
 * and point the pointer at it. Refuses to overwrite data that differs from the current pointer unless forced.
 */
export async function checkoutVersion(
  client: MloopClient,
  ref: { name: string; version: string },
  pointer: LoadedPointer | undefined,
  opts: SyncOptions & { out?: string } = {},
): Promise<CheckoutResult> {
  const version = await client.getDatasetVersion(ref.name, ref.version).catch((err: unknown) => {
    if (err instanceof MloopApiError && err.status === 404)
      throw new DataError(
        { file: `${ref.name}@${ref.version}` },
        `${err.message} 'mloop data list' shows the datasets.`,
      );
    throw err;
  });
  const target = opts.out ? resolve(opts.out) : pointer?.dataPath;
  if (!target) {
    throw new DataError(
      { file: `${ref.name}.mloop` },
      `no pointer file for dataset ${ref.name} here; pass --out PATH to say where the data goes.`,
    );
  }
  if (pointer && existsSync(target) && !opts.force) {
    const [status] = await dataStatus([{ ...pointer, dataPath: target }], opts.cache);
    if (status?.state === 'modified') {
      throw new DataError(
        { file: target },
        `the data differs from its pointer ${pointer.name}@${pointer.version}; checkout would overwrite it. ` +
          "Record it with 'mloop data add', or pass --force to discard the changes.",
      );
    }
  }
  const r = await restoreContent(client, version.hash, version.kind, target, restoreOpts(opts));
  const pointerFile = pointer && !opts.out ? pointer.file : pointerFileFor(target, ref.name);
  const path = relative(dirname(pointerFile), target).split(sep).join('/') || '.';
  await writePointer(pointerFile, {
    name: version.name,
    version: version.version,
    hash: version.hash,
    size: version.size,
    path,
    kind: version.kind,
    files: version.files,
  });
  return {
    pointer: pointerFile,
    name: version.name,
    version: version.version,
    hash: version.hash,
    path: target,
    files: r.files,
    bytes: r.bytes,
  };
}

function restoreOpts(opts: SyncOptions): { cache?: StatCache; progress?: Progress } {
  return { ...(opts.cache ? { cache: opts.cache } : {}), progress: opts.progress ?? SILENT };
}

/** Parses `NAME@VERSION` (version: number, hash prefix or 'latest'; `NAME` alone means latest). */
export function parseVersionRef(text: string): { name: string; version: string } {
  const at = text.lastIndexOf('@');
  if (at <= 0) return { name: text, version: 'latest' };
  return { name: text.slice(0, at), version: text.slice(at + 1) || 'latest' };
}
