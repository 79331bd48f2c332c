import { readFile, rename, writeFile } from 'node:fs/promises';
import { basename, dirname, isAbsolute, join, resolve } from 'node:path';
import { parse, stringify } from 'yaml';
import { invalid, show } from '../core/errors.js';
import type { ContentKind } from './types.js';

export const POINTER_EXTENSION = '.mloop';

/**
 * A pointer file, `<name>.mloop`, is what goes into git instead of the data (DVC's `.dvc` file): small YAML naming
 * the dataset version and where its content goes in the working tree.
 *
 *     # mloop dataset pointer: commit this file, not the data. See docs/data.md.
 *     name: flights
 *     version: 3
 *     hash: 9a0364b9e99bb480dd25e1f0284c8555...   # SHA-256 of the file, or of the directory manifest
 *     size: 13493022
 *     path: flights-3m.parquet                   # relative to this file's directory
 *     kind: file                                 # or dir
 *     files: 1
 */
export interface Pointer {
  name: string;
  version: number;
  hash: string;
  size: number;
  path: string;
  kind: ContentKind;
  files: number;
}

export interface LoadedPointer extends Pointer {
  /** Absolute path of the pointer file. */
  file: string;
  /** Absolute path of the data it points to. */
  dataPath: string;
}

const HEADER = '# mloop dataset pointer: commit this file, not the data. See docs/data.md.\n';

export function pointerFileFor(dataPath: string, name: string): string {
  return join(dirname(resolve(dataPath)), `${name}${POINTER_EXTENSION}`);
}

export async function readPointer(file: string): Promise<LoadedPointer> {
  const abs = resolve(file);
  let doc: unknown;
  try {
    doc = parse(await readFile(abs, 'utf8'));
  } catch (err) {
    throw invalid(`Cannot read the pointer file ${show(file)}: ${(err as Error).message}`);
  }
  const p = doc as Partial<Pointer> | null;
  const bad = (field: string, what: string) =>
    invalid(`The pointer file ${show(file)} is invalid: '${field}' must be ${what}.`);
  if (!p || typeof p !== 'object') throw invalid(`The pointer file ${show(file)} is not a YAML mapping.`);
  if (typeof p.name !== 'string' || !p.name) throw bad('name', 'a dataset name');
  if (!Number.isSafeInteger(p.version) || (p.version as number) < 1) throw bad('version', 'a version number');
  if (typeof p.hash !== 'string' || !/^[0-9a-f]{64}$/.test(p.hash)) throw bad('hash', 'a SHA-256 digest');
  if (!Number.isSafeInteger(p.size)) throw bad('size', 'a byte count');
  if (typeof p.path !== 'string' || !p.path || isAbsolute(p.path)) throw bad('path', 'a relative path');
  const kind = p.kind ?? 'file';
  if (kind !== 'file' && kind !== 'dir') throw bad('kind', '"file" or "dir"');
  return {
    name: p.name,
    version: p.version as number,
    hash: p.hash,
    size: p.size as number,
    path: p.path,
    kind,
    files: Number.isSafeInteger(p.files) ? (p.files as number) : 1,
    file: abs,
    dataPath: resolve(dirname(abs), p.path),
  };
}

/** Writes a pointer atomically (temp file, then rename). */
export async function writePointer(file: string, pointer: Pointer): Promise<void> {
  const body: Pointer = {
    name: pointer.name,
    version: pointer.version,
    hash: pointer.hash,
    size: pointer.size,
    path: pointer.path,
    kind: pointer.kind,
    files: pointer.files,
  };
  const temp = join(dirname(file), `.${basename(file)}.tmp`);
  await writeFile(temp, HEADER + stringify(body));
  await rename(temp, file);
}
