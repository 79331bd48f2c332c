import { spawn } from 'node:child_process';
import { KIND_FILE, KIND_MISSING, KIND_OTHER, type WalkResult } from './walk-kinds.js';

/**
 * The fast path of `walkTree`: GNU find lists the tree and prints each entry's type, inode, size and mtime in one
 * process, so `mloop data status` on 100,000 files makes no JavaScript object per file (docs/benchmarks.md: the
 * per-file `fs.lstatSync` objects and their garbage were most of its time). `-L` follows links as the JavaScript
 * walk does. Records are NUL-terminated, so any file name is safe. Returns undefined — and the caller walks in
 * JavaScript, which reports problems with their path — when find is missing, is not GNU find (no `-printf`), or
 * exits with any error (an unreadable directory, a link loop).
 */
export function findWalk(root: string): Promise<WalkResult | undefined> {
  return new Promise((resolve) => {
    let child: ReturnType<typeof spawn>;
    try {
      child = spawn('find', ['-L', root, '-mindepth', '1', '-printf', '%y %i %s %T@ %P\\0'], {
        stdio: ['ignore', 'pipe', 'ignore'],
        env: { ...process.env, LC_ALL: 'C' },
      });
    } catch {
      resolve(undefined);
      return;
    }
    const chunks: Buffer[] = [];
    child.stdout!.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.once('error', () => resolve(undefined));
    child.once('close', (code) => {
      if (code !== 0) return resolve(undefined);
      try {
        resolve(parseFindOutput(root, Buffer.concat(chunks).toString('utf8')));
      } catch {
        // Output too large for one string (tens of millions of files): the JavaScript walk takes over.
        resolve(undefined);
      }
    });
  });
}

/** Parses `%y %i %s %T@ %P\0` records; undefined when a record does not have that shape. */
export function parseFindOutput(root: string, text: string): WalkResult | undefined {
  const paths: string[] = [];
  const rels: string[] = [];
  let stats = new Float64Array(4096);
  let n = 0;
  let at = 0;
  const prefix = root.endsWith('/') ? root : `${root}/`;
  while (at < text.length) {
    const end = text.indexOf('\0', at);
    if (end < 0) return undefined;
    const s1 = text.indexOf(' ', at);
    const s2 = text.indexOf(' ', s1 + 1);
    const s3 = text.indexOf(' ', s2 + 1);
    const s4 = text.indexOf(' ', s3 + 1);
    if (s1 < 0 || s4 < 0 || s4 >= end) return undefined;
    const type = text.slice(at, s1);
    const rel = text.slice(s4 + 1, end);
    at = end + 1;
    if (type === 'd') continue;
    const mtime = text.slice(s3 + 1, s4);
    const dot = mtime.indexOf('.');
    const sec = Number(dot < 0 ? mtime : mtime.slice(0, dot));
    const nsec = dot < 0 ? 0 : Number(mtime.slice(dot + 1, dot + 10).padEnd(9, '0'));
    const ino = Number(text.slice(s1 + 1, s2));
    const size = Number(text.slice(s2 + 1, s3));
    if (
      !rel ||
      !Number.isFinite(sec) ||
      !Number.isFinite(nsec) ||
      !Number.isFinite(ino) ||
      !Number.isFinite(size)
    )
      return undefined;
    if (4 * n + 4 > stats.length) {
      const grown = new Float64Array(stats.length * 2);
      grown.set(stats);
      stats = grown;
    }
    const o = 4 * n;
    // As Node computes Stats.mtimeMs (sec * 1000 + nsec / 1e6), so cached keys compare equal.
    stats[o] = ino;
    stats[o + 1] = sec * 1000 + nsec / 1e6;
    stats[o + 2] = size;
    stats[o + 3] = type === 'f' ? KIND_FILE : type === 'l' ? KIND_MISSING : KIND_OTHER;
    paths.push(prefix + rel);
    rels.push(rel);
    n++;
  }
  return { paths, rels, stats: stats.slice(0, 4 * n) };
}
