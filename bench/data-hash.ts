/**
 * Hashing benchmarks.
 *
 *   node --import tsx bench/data-hash.ts [--size-mb 1024] [--files 100000]
 *
 * 1. SHA-256 of a 1 GiB file (page cache warm): mloop's hashFile against `openssl dgst -sha256` on the same file in
 *    the same run, best of 3 each; target ratio >= 0.8.
 * 2. `mloop data status` (the built CLI, a new process) on a directory of 100,000 small unchanged files whose hashes
 *    are in the stat cache; target < 2 s.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashPath } from '../src/data/hash/manifest.js';
import { hashFile } from '../src/data/hash/sha256-file.js';
import { StatCache } from '../src/data/hash/stat-cache.js';
import { writePointer } from '../src/data/pointer.js';

const arg = (name: string, dflt: number) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const SIZE_MB = arg('size-mb', 1024);
const FILES = arg('files', 100_000);
const BIN = join(import.meta.dirname, '../bin/mloop.js');

function timed<T>(fn: () => T): [T, number] {
  const t = performance.now();
  const out = fn();
  return [out, (performance.now() - t) / 1000];
}

async function hashBench(dir: string) {
  const file = join(dir, 'big.bin');
  const block = randomBytes(1 << 24);
  const fd = openSync(file, 'w');
  for (let written = 0; written < SIZE_MB * 2 ** 20; written += block.length) writeSync(fd, block);
  closeSync(fd);
  const bytes = SIZE_MB * 2 ** 20;
  execFileSync('cat', [file], { stdio: ['ignore', 'ignore', 'ignore'] }); // warm the page cache
  // Interleaved, best of 5 each, wall time and CPU time (CPU time is what a shared machine distorts least).
  let ours = Number.POSITIVE_INFINITY;
  let theirs = Number.POSITIVE_INFINITY;
  let oursCpu = Number.POSITIVE_INFINITY;
  let theirsCpu = Number.POSITIVE_INFINITY;
  let ourHash = '';
  let theirHash = '';
  for (let i = 0; i < 5; i++) {
    const cpu0 = process.cpuUsage();
    const t = performance.now();
    ourHash = (await hashFile(file)).hash;
    ours = Math.min(ours, (performance.now() - t) / 1000);
    const cpu = process.cpuUsage(cpu0);
    oursCpu = Math.min(oursCpu, (cpu.user + cpu.system) / 1e6);
    // /usr/bin/time reports openssl's own CPU time on stderr.
    const [out, s] = timed(() =>
      spawnSync('/usr/bin/time', ['-f', '%e %U %S', 'openssl', 'dgst', '-sha256', '-r', file], {
        encoding: 'utf8',
      }),
    );
    const [, user, system] = out.stderr.trim().split('\n').pop()!.split(' ').map(Number);
    theirHash = out.stdout.split(' ')[0]!;
    theirs = Math.min(theirs, s);
    theirsCpu = Math.min(theirsCpu, user! + system!);
  }
  if (ourHash !== theirHash) throw new Error(`hash mismatch: ${ourHash} vs ${theirHash}`);
  const gbs = (s: number) => `${(bytes / s / 1e9).toFixed(2)} GB/s`;
  const ratio = theirs / ours;
  console.log(
    `sha256 of ${SIZE_MB} MiB: mloop ${ours.toFixed(2)} s wall (${gbs(ours)}), ${oursCpu.toFixed(2)} s CPU; ` +
      `openssl dgst ${theirs.toFixed(2)} s wall (${gbs(theirs)}), ${theirsCpu.toFixed(2)} s CPU`,
  );
  console.log(
    `ratio mloop/openssl throughput: ${ratio.toFixed(2)} wall, ${(theirsCpu / oursCpu).toFixed(2)} CPU — target >= 0.8 (wall): ${ratio >= 0.8 ? 'PASS' : 'MISS'}`,
  );
  rmSync(file);
}

async function statusBench(dir: string) {
  const data = join(dir, 'many');
  const [, createSeconds] = timed(() => {
    for (let d = 0; d < FILES / 1000; d++) {
      const sub = join(data, `d${String(d).padStart(3, '0')}`);
      mkdirSync(sub, { recursive: true });
      for (let f = 0; f < 1000; f++) {
        const fd = openSync(join(sub, `f${f}.txt`), 'w');
        writeSync(fd, `file ${d}/${f}\n`);
        closeSync(fd);
      }
    }
  });
  const state = join(dir, 'state');
  const cache = new StatCache(state);
  const t = performance.now();
  const first = await hashPath(data, { cache, needManifest: true });
  const firstSeconds = (performance.now() - t) / 1000;
  cache.close();
  await writePointer(join(dir, 'many.mloop'), {
    name: 'many',
    version: 1,
    hash: first.hash,
    size: first.size,
    path: 'many',
    kind: 'dir',
    files: first.files,
  });
  console.log(
    `${FILES.toLocaleString()} files created in ${createSeconds.toFixed(1)} s; first hash (all files) ${firstSeconds.toFixed(1)} s`,
  );
  // Interleaved: the default walk (GNU find where available) and the JavaScript walk (MLOOP_WALK=js). The first
  // status of each walk records its walk token (the two walks list files in different orders), so it is not counted.
  const status = (walk: 'default' | 'js') => {
    const env = {
      ...process.env,
      MLOOP_STATE_DIR: state,
      NO_COLOR: '1',
      ...(walk === 'js' ? { MLOOP_WALK: 'js' } : {}),
    };
    const t0 = performance.now();
    const out = execFileSync(process.execPath, [BIN, 'data', 'status', 'many.mloop'], {
      cwd: dir,
      env,
      encoding: 'utf8',
    });
    if (!out.includes('match their pointers')) throw new Error(`unexpected status output: ${out}`);
    return (performance.now() - t0) / 1000;
  };
  const runs: number[] = [];
  const jsRuns: number[] = [];
  status('js');
  for (let i = 0; i < 3; i++) jsRuns.push(status('js'));
  status('default');
  for (let i = 0; i < 3; i++) runs.push(status('default'));
  const nodeStart = timed(() => execFileSync(process.execPath, ['-e', '0']))[1];
  // Baseline: GNU find printing each file's inode, mtime and size — the same stat calls, no hashing, no cache.
  const find = Math.min(
    ...[0, 1, 2].map(
      () =>
        timed(() =>
          execFileSync('find', [data, '-type', 'f', '-printf', '%i %T@ %s\n'], { maxBuffer: 1 << 28 }),
        )[1],
    ),
  );
  const best = Math.min(...runs);
  console.log(
    `mloop data status with MLOOP_WALK=js (the JavaScript walk): ${jsRuns.map((s) => s.toFixed(2)).join(' / ')} s (best ${Math.min(...jsRuns).toFixed(2)} s)`,
  );
  console.log(
    `mloop data status, ${FILES.toLocaleString()} unchanged files: ${runs.map((s) => s.toFixed(2)).join(' / ')} s (best ${best.toFixed(2)} s, of which ~${nodeStart.toFixed(2)} s is starting node; baseline find -printf of the same stats ${find.toFixed(2)} s) — target < 2 s: ${best < 2 ? 'PASS' : 'MISS'}`,
  );
}

const dir = mkdtempSync(join(tmpdir(), 'mloop-bench-hash-'));
try {
  await hashBench(dir);
  await statusBench(dir);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
