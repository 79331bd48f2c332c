import { createReadStream, existsSync } from 'node:fs';
import { appendFile, readFile } from 'node:fs/promises';
import { basename, dirname, extname, join, relative, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import type { MloopClient } from '../../sdk/client.js';
import { DataError } from '../data-error.js';
import { validateDatasetName } from '../dataset-service.js';
import { hashPath, manifestBytes, type PathHash } from '../hash/manifest.js';
import type { StatCache } from '../hash/stat-cache.js';
import { pointerFileFor, writePointer } from '../pointer.js';
import { type DataProfile, ProfileBuilder } from '../profile/profile.js';
import { type Progress, SILENT } from '../progress.js';
import { inferSchema } from '../schema/schema.js';
import { detectFormat, readBatches } from '../table/read.js';
import type { DatasetVersion } from '../types.js';

export interface AddOptions {
  /** Dataset name; the file name without its extension (or the directory name) by default. */
  name?: string;
  cache?: StatCache;
  progress?: Progress;
  /** Log the version as an input of this run (MLflow's dataset input shape). */
  runId?: string;
  /** The run input's `mlflow.data.context` tag; 'training' by default. */
  context?: string;
  /** Add the data path to .gitignore beside the pointer when inside a git work tree (default true). */
  gitignore?: boolean;
  /** Refuse unless the content hashes to this (push: the data must be what the pointer says). */
  expectHash?: string;
}

export interface AddResult {
  version: DatasetVersion;
  created: boolean;
  pointerFile: string;
  uploaded: { files: number; bytes: number };
  runId?: string;
}

export function defaultDatasetName(path: string, isDir: boolean): string {
  const base = basename(resolve(path));
  return isDir ? base : base.slice(0, base.length - extname(base).length) || base;
}

/**
 * `mloop data add`: hash (stat cache first), profile tables, upload content the store lacks (files first, the
 * directory manifest last), record the version, then write the pointer. The version is recorded only after all
 * content is stored; if the data changes at any point before that, nothing is recorded.
 */
export async function addDataset(
  client: MloopClient,
  path: string,
  opts: AddOptions = {},
): Promise<AddResult> {
  const abs = resolve(path);
  const progress = opts.progress ?? SILENT;
  progress.phase(`hashing ${path}`);
  const hashed = await hashPath(abs, {
    ...(opts.cache ? { cache: opts.cache } : {}),
    needManifest: true,
    onProgress: (b) => progress.update(b),
  });
  progress.end();
  if (opts.expectHash !== undefined && hashed.hash !== opts.expectHash) {
    throw new DataError(
      { file: path },
      `the data differs from its pointer (hash ${hashed.hash.slice(0, 12)}, pointer ${opts.expectHash.slice(0, 12)}); ` +
        "run 'mloop data add' to record the new content, or 'mloop data pull --force' to restore the pointer's.",
    );
  }
  const name = validateDatasetName(opts.name ?? defaultDatasetName(abs, hashed.kind === 'dir'));
  const profiled = await profilePath(abs, hashed, progress);

  // What was profiled must be what was hashed: a file rewritten in between is caught by its new stat.
  const again = await hashPath(abs, opts.cache ? { cache: opts.cache } : {});
  if (again.hash !== hashed.hash)
    throw new DataError(
      { file: path },
      'the data changed while it was being added; nothing was recorded. Try again once it is written.',
    );

  const uploaded = await uploadContent(client, abs, hashed, progress);
  const pointerFile = pointerFileFor(abs, name);
  const pointerDir = dirname(pointerFile);
  const sourcePath = relative(pointerDir, abs).split(sep).join('/') || '.';
  const recorded = await client.recordDatasetVersion(name, {
    hash: hashed.hash,
    kind: hashed.kind,
    size: hashed.size,
    files: hashed.files,
    rows: profiled?.profile.rows ?? null,
    format: profiled?.format ?? null,
    schema: profiled ? inferSchema(profiled.profile) : null,
    profile: profiled?.profile ?? null,
    sourcePath,
  });
  const { created, ...version } = recorded;
  await writePointer(pointerFile, {
    name,
    version: version.version,
    hash: version.hash,
    size: version.size,
    path: sourcePath,
    kind: version.kind,
    files: version.files,
  });
  if (opts.gitignore ?? true) await ignoreInGit(pointerDir, basename(abs));
  if (opts.runId) await client.logDatasetInput(opts.runId, version, opts.context ?? 'training');
  return { version, created, pointerFile, uploaded, ...(opts.runId ? { runId: opts.runId } : {}) };
}

/** Profiles a table file, or every table file of a directory as one table (their rows in path order). */
export async function profilePath(
  abs: string,
  hashed: PathHash,
  progress: Progress = SILENT,
): Promise<{ profile: DataProfile; format: DatasetVersion['format'] } | undefined> {
  const files =
    hashed.kind === 'file'
      ? [abs]
      : (hashed.manifest?.files ?? []).map((f) => join(abs, ...f.path.split('/')));
  const tables = files.filter((f) => detectFormat(f) !== undefined);
  if (tables.length === 0) return undefined;
  const formats = new Set(tables.map((f) => detectFormat(f)));
  const builder = new ProfileBuilder();
  progress.phase(
    `profiling ${tables.length === 1 ? basename(tables[0]!) : `${tables.length} tables`}`,
    undefined,
    'rows',
  );
  for (const file of tables) {
    for await (const batch of readBatches(file)) {
      builder.add(batch);
      progress.update(builder.rows);
    }
  }
  progress.end();
  return { profile: builder.build(), format: formats.size === 1 ? [...formats][0]! : 'mixed' };
}

/** Uploads what the store lacks: each missing file once, then the directory manifest. */
export async function uploadContent(
  client: MloopClient,
  abs: string,
  hashed: PathHash,
  progress: Progress = SILENT,
): Promise<{ files: number; bytes: number }> {
  const sources = new Map<string, { file: string; size: number }>();
  if (hashed.kind === 'file') sources.set(hashed.hash, { file: abs, size: hashed.size });
  else
    for (const f of hashed.manifest?.files ?? [])
      sources.set(f.hash, { file: join(abs, ...f.path.split('/')), size: f.size });
  const needed = [...sources.keys()];
  if (hashed.kind === 'dir') needed.push(hashed.hash);
  const missing = new Set(await client.missingContent(needed));
  let bytes = 0;
  let files = 0;
  const total = [...sources].filter(([h]) => missing.has(h)).reduce((sum, [, s]) => sum + s.size, 0);
  if (total > 0) progress.phase('uploading', total);
  for (const [hash, source] of sources) {
    if (!missing.has(hash)) continue;
    const counted = async function* () {
      for await (const chunk of createReadStream(source.file, { highWaterMark: 1 << 20 })) {
        bytes += (chunk as Buffer).length;
        progress.update(bytes);
        yield chunk as Buffer;
      }
    };
    await client.putContent(hash, Readable.toWeb(Readable.from(counted())) as ReadableStream<Uint8Array>);
    files++;
  }
  if (hashed.kind === 'dir' && missing.has(hashed.hash) && hashed.manifest)
    await client.putContent(hashed.hash, new Uint8Array(manifestBytes(hashed.manifest)));
  if (total > 0) progress.end();
  return { files, bytes };
}

/** Adds `/<entry>` to the .gitignore of `dir` when `dir` is inside a git work tree and the entry is not there yet. */
async function ignoreInGit(dir: string, entry: string): Promise<void> {
  let probe = dir;
  for (;;) {
    if (existsSync(join(probe, '.git'))) break;
    const parent = dirname(probe);
    if (parent === probe) return;
    probe = parent;
  }
  const file = join(dir, '.gitignore');
  const line = `/${entry}`;
  const current = await readFile(file, 'utf8').catch(() => '');
  if (current.split(/\r?\n/).includes(line)) return;
  await appendFile(file, `${current === '' || current.endsWith('\n') ? '' : '\n'}${line}\n`);
}
