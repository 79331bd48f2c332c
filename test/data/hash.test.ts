import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFindOutput } from '../../src/data/hash/find-walk.js';
import { hashPath, manifestBytes } from '../../src/data/hash/manifest.js';
import { hashFile } from '../../src/data/hash/sha256-file.js';
import { StatCache } from '../../src/data/hash/stat-cache.js';
import { walkTree } from '../../src/data/hash/walk.js';
import { seeded, workdir } from './fixtures.js';

describe('file hashing', () => {
  it('matches openssl dgst -sha256, across read chunks', async () => {
    const r = seeded(1);
    const data = Buffer.from(Array.from({ length: 300_001 }, () => Math.floor(r() * 256)));
    const file = join(workdir({ 'f.bin': data }), 'f.bin');
    const openssl = execFileSync('openssl', ['dgst', '-sha256', '-r', file], { encoding: 'utf8' }).split(
      ' ',
    )[0];
    for (const chunkSize of [1 << 10, 65_536, 1 << 22])
      expect((await hashFile(file, { chunkSize })).hash).toBe(openssl);
  });

  it('refuses a file that changes while it is being hashed', async () => {
    const file = join(workdir({ 'g.csv': 'a\n'.repeat(100_000) }), 'g.csv');
    await expect(
      hashFile(file, {
        chunkSize: 4096,
        onChunk: (bytes) => {
          if (bytes === 4096 * 3) appendFileSync(file, 'more\n');
        },
      }),
    ).rejects.toThrow(`${file}: the file changed while it was being hashed`);
    // Rewritten in place with the same size: caught by its mtime.
    await expect(
      hashFile(file, {
        chunkSize: 4096,
        onChunk: (bytes) => {
          if (bytes === 4096) writeFileSync(file, 'b\n'.repeat(100_002 + 2));
        },
      }),
    ).rejects.toThrow(/changed while it was being hashed/);
  });
});

describe('stat cache and directory manifests', () => {
  it('hashes a directory as the SHA-256 of its sorted manifest', async () => {
    const dir = workdir();
    mkdirSync(join(dir, 'd/sub'), { recursive: true });
    writeFileSync(join(dir, 'd/b.txt'), 'bee');
    writeFileSync(join(dir, 'd/sub/a.txt'), 'ay');
    const h = await hashPath(join(dir, 'd'), { needManifest: true });
    const sha = (s: string) => createHash('sha256').update(s).digest('hex');
    expect(h.manifest!.files).toEqual([
      { path: 'b.txt', size: 3, hash: sha('bee') },
      { path: 'sub/a.txt', size: 2, hash: sha('ay') },
    ]);
    expect(h).toMatchObject({
      kind: 'dir',
      size: 5,
      files: 2,
      hash: sha(manifestBytes(h.manifest!).toString()),
    });
  });

  it('reuses cached hashes while (inode, mtime, size) hold and rehashes what changed', async () => {
    const dir = workdir();
    const cache = new StatCache(join(dir, 'state'));
    mkdirSync(join(dir, 'd'));
    for (let i = 0; i < 20; i++) writeFileSync(join(dir, `d/f${i}.txt`), `file ${i}`);
    const first = await hashPath(join(dir, 'd'), { cache });
    let hashed = 0;
    const again = await hashPath(join(dir, 'd'), { cache, onProgress: () => hashed++ });
    expect(again.hash).toBe(first.hash);
    expect(hashed).toBe(0);
    writeFileSync(join(dir, 'd/f3.txt'), 'file 3, edited');
    utimesSync(join(dir, 'd/f3.txt'), new Date(), new Date(Date.now() + 5000));
    const changed = await hashPath(join(dir, 'd'), { cache, onProgress: () => hashed++ });
    expect(changed.hash).not.toBe(first.hash);
    expect(hashed).toBe(1);
    // A cache keyed by stat never vouches for a file whose size differs.
    writeFileSync(join(dir, 'd/f4.txt'), 'x');
    expect((await hashPath(join(dir, 'd/f4.txt'), { cache })).hash).toBe(
      createHash('sha256').update('x').digest('hex'),
    );
    cache.close();
  });
});

describe('directory walks: GNU find and the JavaScript walk agree', () => {
  const withWalk = async <T>(mode: 'find' | 'js', fn: () => Promise<T>): Promise<T> => {
    const before = process.env.MLOOP_WALK;
    if (mode === 'js') process.env.MLOOP_WALK = 'js';
    else delete process.env.MLOOP_WALK;
    try {
      return await fn();
    } finally {
      if (before === undefined) delete process.env.MLOOP_WALK;
      else process.env.MLOOP_WALK = before;
    }
  };
  const sorted = (w: Awaited<ReturnType<typeof walkTree>>) =>
    w.rels
      .map((rel, i) => ({ rel, path: w.paths[i], stats: [...w.stats.subarray(4 * i, 4 * i + 4)] }))
      .sort((a, b) => (a.rel < b.rel ? -1 : 1));

  it('lists the same files with the same (inode, mtime, size), past the worker split, through links', async () => {
    const dir = workdir();
    const root = join(dir, 'tree');
    // More than PARALLEL_THRESHOLD files, so the JavaScript walk hands directories to its worker.
    for (let d = 0; d < 6; d++) {
      mkdirSync(join(root, `d${d}`, 'deep'), { recursive: true });
      for (let f = 0; f < 500; f++) writeFileSync(join(root, `d${d}`, `f ${f}.txt`), `${d}/${f}`);
      writeFileSync(join(root, `d${d}`, 'deep', 'x.csv'), 'a\n1\n');
    }
    mkdirSync(join(dir, 'outside'));
    writeFileSync(join(dir, 'outside', 'linked.txt'), 'via a link');
    symlinkSync(join(dir, 'outside'), join(root, 'link-to-dir'));
    symlinkSync(join(root, 'd0', 'f 1.txt'), join(root, 'link-to-file'));
    const byFind = sorted(await withWalk('find', () => walkTree(root)));
    const byJs = sorted(await withWalk('js', () => walkTree(root)));
    expect(byFind).toHaveLength(6 * 501 + 2);
    expect(byFind).toEqual(byJs);
    expect(byFind.map((f) => f.rel)).toContain('link-to-dir/linked.txt');
    const h1 = await withWalk('find', () => hashPath(root, { needManifest: true }));
    const h2 = await withWalk('js', () => hashPath(root, { needManifest: true }));
    expect(h1.hash).toBe(h2.hash);
  });

  it('refuses dangling links and special files in both walks, naming the entry', async () => {
    const dir = workdir();
    mkdirSync(join(dir, 'd'));
    writeFileSync(join(dir, 'd', 'ok.txt'), 'ok');
    symlinkSync(join(dir, 'gone'), join(dir, 'd', 'dangling'));
    for (const mode of ['find', 'js'] as const)
      await expect(
        withWalk(mode, () => walkTree(join(dir, 'd'))),
        mode,
      ).rejects.toThrow(
        `${join(dir, 'd', 'dangling')}: cannot read: ENOENT: no such file (a dangling link?).`,
      );
    rmSync(join(dir, 'd', 'dangling'));
    execFileSync('mkfifo', [join(dir, 'd', 'pipe')]);
    for (const mode of ['find', 'js'] as const)
      await expect(
        withWalk(mode, () => walkTree(join(dir, 'd'))),
        mode,
      ).rejects.toThrow(
        `${join(dir, 'd', 'pipe')}: not a regular file (a socket, FIFO or device); remove it from the directory.`,
      );
  });

  it('parses find records with spaces and newlines in names, and rejects malformed output', () => {
    const out = parseFindOutput(
      '/r',
      'f 12 3 1700000000.5000000000 a b\nc\0d 13 4096 1700000000.0000000000 sub\0',
    );
    expect(out).toEqual({
      paths: ['/r/a b\nc'],
      rels: ['a b\nc'],
      stats: Float64Array.from([12, 1700000000500, 3, 1]),
    });
    expect(parseFindOutput('/r', 'f 12 3 notatime x\0')).toBeUndefined();
    expect(parseFindOutput('/r', 'f 12 3 1700000000.5 x')).toBeUndefined();
  });
});
