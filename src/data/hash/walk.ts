import { createHash } from 'node:crypto';
import { readdirSync, type Stats, statSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { DataError } from '../data-error.js';

/** A file found by `walkFiles`: only the numbers the stat cache needs, so 100,000 of them stay cheap. */
export interface Walked {
  abs: string;
  rel: string;
  ino: number;
  mtimeMs: number;
  size: number;
}

const KIND_FILE = 1;
const KIND_DIR = 2;
const KIND_OTHER = 3;
const KIND_MISSING = 4;

/** Above this many entries, half of the stat calls run on a worker thread (the walk is bound by stat). */
const PARALLEL_THRESHOLD = 20_000;

/** Every file under a root, in traversal order, as parallel arrays: stats[4i..4i+3] = ino, mtimeMs, size, kind. */
export interface WalkResult {
  paths: string[];
  rels: string[];
  stats: Float64Array;
}

/**
 * Lists every file under a directory; unreadable entries and special files are errors. Directory listings come from
 * readdir's entry types; every file (and every link) is stat'ed for (inode, mtime, size), half of them on a worker
 * thread when there are many. Parallel arrays rather than objects: 100,000 files cost little garbage.
 */
export async function walkTree(root: string): Promise<WalkResult> {
  const paths: string[] = [];
  const rels: string[] = [];
  const visit = (dir: string, rel: string) => {
    let entries: import('node:fs').Dirent[];
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch (err) {
      throw new DataError({ file: dir }, `cannot read the directory: ${(err as Error).message}.`, {
        cause: err,
      });
    }
    for (const entry of entries) {
      const abs = `${dir}/${entry.name}`;
      const r = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory() || (entry.isSymbolicLink() && statOrThrow(abs).isDirectory())) visit(abs, r);
      else {
        paths.push(abs);
        rels.push(r);
      }
    }
  };
  visit(root, '');
  const stats = await statMany(paths);
  for (let i = 0; i < paths.length; i++) {
    const kind = stats[i * 4 + 3];
    if (kind === KIND_MISSING)
      throw new DataError({ file: paths[i]! }, 'cannot read: ENOENT: no such file (a dangling link?).');
    if (kind !== KIND_FILE)
      throw new DataError(
        { file: paths[i]! },
        'not a regular file (a socket, FIFO or device); remove it from the directory.',
      );
  }
  return { paths, rels, stats };
}

/** The files of a walk as objects, sorted by relative path. */
export function sortedFiles(w: WalkResult): Walked[] {
  const out: Walked[] = new Array(w.paths.length);
  for (let i = 0; i < w.paths.length; i++) {
    out[i] = {
      abs: w.paths[i]!,
      rel: w.rels[i]!,
      ino: w.stats[i * 4]!,
      mtimeMs: w.stats[i * 4 + 1]!,
      size: w.stats[i * 4 + 2]!,
    };
  }
  return out.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
}

/** All files under a directory, sorted by relative path. */
export async function walkFiles(root: string): Promise<Walked[]> {
  return sortedFiles(await walkTree(root));
}

/**
 * A digest of every file's relative path, inode, mtime and size, in traversal order: equal tokens mean nothing that
 * the stat cache can see has changed (a different listing order only costs a cache miss, never a wrong answer).
 */
export function walkToken(w: WalkResult): { token: string; size: number } {
  let bytes = 0;
  for (const r of w.rels) bytes += r.length * 3 + 25;
  const buf = Buffer.allocUnsafe(bytes);
  let at = 0;
  let size = 0;
  for (let i = 0; i < w.rels.length; i++) {
    at += buf.write(w.rels[i]!, at);
    buf[at++] = 0;
    at = buf.writeDoubleLE(w.stats[i * 4]!, at);
    at = buf.writeDoubleLE(w.stats[i * 4 + 1]!, at);
    at = buf.writeDoubleLE(w.stats[i * 4 + 2]!, at);
    size += w.stats[i * 4 + 2]!;
  }
  return { token: createHash('sha256').update(buf.subarray(0, at)).digest('hex'), size };
}

function statOrThrow(abs: string): Stats {
  let st: Stats | undefined;
  try {
    st = statSync(abs, { throwIfNoEntry: false });
  } catch (err) {
    throw new DataError({ file: abs }, `cannot read: ${(err as Error).message}.`, { cause: err });
  }
  if (st === undefined)
    throw new DataError({ file: abs }, 'cannot read: ENOENT: no such file (a dangling link?).');
  return st;
}

/** [ino, mtimeMs, size, kind] per path. */
function statRange(paths: readonly string[], from: number, to: number, out: Float64Array, at: number): void {
  for (let i = from; i < to; i++) {
    const st = statSync(paths[i]!, { throwIfNoEntry: false });
    const o = (at + i - from) * 4;
    if (st === undefined) {
      out[o + 3] = KIND_MISSING;
      continue;
    }
    out[o] = st.ino;
    out[o + 1] = st.mtimeMs;
    out[o + 2] = st.size;
    out[o + 3] = st.isFile() ? KIND_FILE : st.isDirectory() ? KIND_DIR : KIND_OTHER;
  }
}

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const { statSync } = require('node:fs');
const { paths } = workerData;
const out = new Float64Array(paths.length * 4);
for (let i = 0; i < paths.length; i++) {
  let st;
  try { st = statSync(paths[i], { throwIfNoEntry: false }); } catch (err) { parentPort.postMessage({ error: String(err && err.message), index: i }); process.exit(0); }
  const o = i * 4;
  if (st === undefined) { out[o + 3] = ${KIND_MISSING}; continue; }
  out[o] = st.ino; out[o + 1] = st.mtimeMs; out[o + 2] = st.size;
  out[o + 3] = st.isFile() ? ${KIND_FILE} : st.isDirectory() ? ${KIND_DIR} : ${KIND_OTHER};
}
parentPort.postMessage({ out }, [out.buffer]);
`;

async function statMany(paths: readonly string[]): Promise<Float64Array> {
  const out = new Float64Array(paths.length * 4);
  const guarded = (from: number, to: number) => {
    try {
      statRange(paths, from, to, out, from);
    } catch (err) {
      const at = paths.findIndex((p, i) => i >= from && i < to && !safeStat(p));
      throw new DataError({ file: paths[at] ?? paths[from]! }, `cannot read: ${(err as Error).message}.`, {
        cause: err,
      });
    }
  };
  if (paths.length < PARALLEL_THRESHOLD) {
    guarded(0, paths.length);
    return out;
  }
  const half = paths.length >>> 1;
  const worker = new Worker(WORKER, { eval: true, workerData: { paths: paths.slice(half) } });
  const done = new Promise<{ out?: Float64Array; error?: string; index?: number }>((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
  guarded(0, half);
  const result = await done;
  await worker.terminate();
  if (result.error !== undefined)
    throw new DataError({ file: paths[half + (result.index ?? 0)]! }, `cannot read: ${result.error}.`);
  out.set(result.out!, half * 4);
  return out;
}

function safeStat(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch {
    return false;
  }
}
