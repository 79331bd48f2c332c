import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { Worker } from 'node:worker_threads';
import { findWalk } from './find-walk.js';
import { KIND_FILE, KIND_MISSING, KIND_OTHER, type WalkResult } from './walk-kinds.js';

export type { WalkResult };

import { DataError } from '../data-error.js';

/** A file found by `walkFiles`: only the numbers the stat cache needs, so 100,000 of them stay cheap. */
export interface Walked {
  abs: string;
  rel: string;
  ino: number;
  mtimeMs: number;
  size: number;
}

/**
 * Above this many files found, the rest of the walk is shared with a worker thread. The walk is bound by `lstat`
 * (one per entry); a second thread roughly halves it on an idle machine and gets a second share of a loaded one.
 */
const PARALLEL_THRESHOLD = 2_000;

/** A directory entry still to visit: its absolute and relative path. */
interface Pending {
  abs: string;
  rel: string;
}

/**
 * The walk itself, as a string so that the main thread and the worker run the very same code (the worker is
 * `eval`ed, which works from the TypeScript sources and the built package alike). One `readdirSync` (names only) per
 * directory and one `lstatSync` per entry — which gives the kind too, so no Dirent objects are made; a link is
 * followed with `statSync`. Results go into growing parallel arrays, not objects, so 100,000 files make little
 * garbage. An entry that cannot be read stops the walk with its path.
 */
const WALK_SOURCE = `
function createWalk(fs) {
  return function walk(pending, limit) {
    const paths = [];
    const rels = [];
    let stats = new Float64Array(4096);
    let n = 0;
    const stack = pending.slice().reverse();
    while (stack.length > 0) {
      if (limit !== undefined && n >= limit) break;
      const dir = stack.pop();
      let names;
      try {
        names = fs.readdirSync(dir.abs);
      } catch (err) {
        return { error: { path: dir.abs, message: 'cannot read the directory: ' + (err && err.message) + '.' } };
      }
      const subdirs = [];
      for (let i = 0; i < names.length; i++) {
        const abs = dir.abs + '/' + names[i];
        const rel = dir.rel ? dir.rel + '/' + names[i] : names[i];
        let st;
        try {
          st = fs.lstatSync(abs, { throwIfNoEntry: false });
          if (st !== undefined && st.isSymbolicLink()) {
            const target = fs.statSync(abs, { throwIfNoEntry: false });
            if (target !== undefined && target.isDirectory()) {
              subdirs.push({ abs, rel });
              continue;
            }
            st = target;
          }
        } catch (err) {
          return { error: { path: abs, message: 'cannot read: ' + (err && err.message) + '.' } };
        }
        if (st !== undefined && st.isDirectory()) {
          subdirs.push({ abs, rel });
          continue;
        }
        if (4 * n + 4 > stats.length) {
          const grown = new Float64Array(stats.length * 2);
          grown.set(stats);
          stats = grown;
        }
        const o = 4 * n;
        paths.push(abs);
        rels.push(rel);
        if (st === undefined) stats[o + 3] = ${KIND_MISSING};
        else {
          stats[o] = st.ino;
          stats[o + 1] = st.mtimeMs;
          stats[o + 2] = st.size;
          stats[o + 3] = st.isFile() ? ${KIND_FILE} : ${KIND_OTHER};
        }
        n++;
      }
      for (let i = subdirs.length - 1; i >= 0; i--) stack.push(subdirs[i]);
    }
    return { paths, rels, stats: stats.slice(0, 4 * n), rest: stack.reverse() };
  };
}
`;

interface WalkPart {
  paths: string[];
  rels: string[];
  stats: Float64Array;
  /** Directories not visited yet (when a limit stopped the walk), in traversal order. */
  rest: Pending[];
}
type WalkOutcome = WalkPart | { error: { path: string; message: string } };
type WalkFn = (pending: readonly Pending[], limit?: number) => WalkOutcome;

const walk: WalkFn = new Function('fs', `${WALK_SOURCE}\nreturn createWalk(fs);`)(fs) as WalkFn;

const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
${WALK_SOURCE}
const result = createWalk(require('node:fs'))(workerData.pending);
parentPort.postMessage(result, result.error ? [] : [result.stats.buffer]);
`;

function unwrap(outcome: WalkOutcome): WalkPart {
  if ('error' in outcome) throw new DataError({ file: outcome.error.path }, outcome.error.message);
  return outcome;
}

/**
 * Lists every file under a directory, with (inode, mtime, size) per file; unreadable entries and special files are
 * errors. Where GNU find is available it does the walk (`find-walk.ts`: one process, no JavaScript object per file);
 * otherwise, or when find reports any problem, the walk below runs and reports it precisely. The main thread walks until it has found PARALLEL_THRESHOLD files; if directories remain, the second half
 * of them goes to a worker thread while the main thread walks the first half. The order of the result depends only
 * on the tree, so equal trees give equal walk tokens.
 */
export async function walkTree(root: string): Promise<WalkResult> {
  const result = (process.env.MLOOP_WALK === 'js' ? undefined : await findWalk(root)) ?? (await jsWalk(root));
  for (let i = 0; i < result.paths.length; i++) {
    const kind = result.stats[i * 4 + 3];
    if (kind === KIND_MISSING)
      throw new DataError(
        { file: result.paths[i]! },
        'cannot read: ENOENT: no such file (a dangling link?).',
      );
    if (kind !== KIND_FILE)
      throw new DataError(
        { file: result.paths[i]! },
        'not a regular file (a socket, FIFO or device); remove it from the directory.',
      );
  }
  return result;
}

async function jsWalk(root: string): Promise<WalkResult> {
  const first = unwrap(walk([{ abs: root, rel: '' }], PARALLEL_THRESHOLD));
  const parts: WalkPart[] = [first];
  if (first.rest.length === 1) parts.push(unwrap(walk(first.rest)));
  else if (first.rest.length > 1) {
    const half = first.rest.length >>> 1;
    const worker = new Worker(WORKER, { eval: true, workerData: { pending: first.rest.slice(half) } });
    const fromWorker = new Promise<WalkOutcome>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
    try {
      parts.push(unwrap(walk(first.rest.slice(0, half))));
      parts.push(unwrap(await fromWorker));
    } finally {
      await worker.terminate();
    }
  }
  const { paths, rels, stats } = parts.length === 1 ? first : concatParts(parts);
  return { paths, rels, stats };
}

function concatParts(parts: readonly WalkPart[]): WalkResult {
  const stats = new Float64Array(parts.reduce((n, p) => n + p.stats.length, 0));
  let at = 0;
  for (const p of parts) {
    stats.set(p.stats, at);
    at += p.stats.length;
  }
  const paths: string[] = [];
  const rels: string[] = [];
  for (const p of parts) {
    for (const path of p.paths) paths.push(path);
    for (const rel of p.rels) rels.push(rel);
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
 * Paths are hashed as one NUL-joined string and the numbers as the stats array's bytes: two hash updates.
 */
export function walkToken(w: WalkResult): { token: string; size: number } {
  let size = 0;
  for (let i = 2; i < w.stats.length; i += 4) size += w.stats[i]!;
  const token = createHash('sha256')
    .update('mloop.walk/2\0')
    .update(w.rels.join('\0'))
    .update(new Uint8Array(w.stats.buffer, w.stats.byteOffset, w.stats.byteLength))
    .digest('hex');
  return { token, size };
}
