import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hashPath, manifestBytes } from '../../src/data/hash/manifest.js';
import { hashFile } from '../../src/data/hash/sha256-file.js';
import { StatCache } from '../../src/data/hash/stat-cache.js';
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
