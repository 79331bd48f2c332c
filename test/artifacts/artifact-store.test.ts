import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArtifactStore } from '../../src/artifacts/artifact-store.js';
import { openArtifactStore } from '../../src/artifacts/open-artifact-store.js';
import { S3ArtifactStore } from '../../src/artifacts/s3/s3-artifact-store.js';
import { createS3Client } from '../../src/artifacts/s3/s3-client.js';
import { isMloopError } from '../../src/core/errors.js';
import { type S3Server, startS3 } from '../support/s3.js';

/** A store rooted at `<base>/root`, plus raw access to `<base>`: where an escape from the root would land. */
interface Harness {
  store: ArtifactStore;
  writeOutside(rel: string, data: Buffer): Promise<void>;
  readOutside(rel: string): Promise<Buffer | undefined>;
  /** Every file under `<base>` but outside the root, as paths relative to `<base>`. */
  listOutside(): Promise<string[]>;
}

interface Backend {
  name: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  harness(): Promise<Harness>;
}

interface LocalBackend extends Backend {
  harness(): Promise<Harness & { root: string }>;
}

const local = (): LocalBackend => {
  let top = '';
  let n = 0;
  return {
    name: 'local',
    async start() {
      top = await mkdtemp(join(tmpdir(), 'mloop-artifacts-'));
    },
    async stop() {
      await rm(top, { recursive: true, force: true });
    },
    async harness() {
      const base = join(top, `t${++n}`);
      await mkdir(base);
      const root = join(base, 'root');
      return {
        root,
        store: openArtifactStore(`file://${root}`),
        writeOutside: async (rel, data) => {
          await mkdir(dirname(join(base, rel)), { recursive: true });
          await writeFile(join(base, rel), data);
        },
        readOutside: (rel) => readFile(join(base, rel)).catch(() => undefined),
        listOutside: async () =>
          (await readdir(base, { recursive: true, withFileTypes: true }))
            .filter((d) => d.isFile())
            .map((d) => relative(base, join(d.parentPath, d.name)).split('\\').join('/'))
            .filter((p) => !p.startsWith('root/'))
            .sort(),
      };
    },
  };
};

const s3 = (): Backend & { server(): S3Server } => {
  let server: S3Server | undefined;
  let client: S3Client | undefined;
  const stores: ArtifactStore[] = [];
  let n = 0;
  return {
    name: 's3 (s3rver)',
    server: () => server!,
    async start() {
      server = await startS3();
      client = createS3Client({ endpoint: server.endpoint, credentials: server.credentials });
    },
    async stop() {
      await Promise.all(stores.map((s) => s.close?.()));
      client?.destroy();
      await server?.stop();
    },
    async harness() {
      const { bucket, endpoint, credentials } = server!;
      const c = client!;
      const base = `t${++n}`;
      const store = openArtifactStore(`s3://${bucket}/${base}/root`, { s3: { endpoint, credentials } });
      stores.push(store);
      return {
        store,
        writeOutside: async (rel, data) => {
          await c.send(new PutObjectCommand({ Bucket: bucket, Key: `${base}/${rel}`, Body: data }));
        },
        readOutside: async (rel) => {
          const out = await c
            .send(new GetObjectCommand({ Bucket: bucket, Key: `${base}/${rel}` }))
            .catch(() => undefined);
          return out?.Body ? Buffer.from(await out.Body.transformToByteArray()) : undefined;
        },
        listOutside: async () => {
          const out = await c.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: `${base}/` }));
          return (out.Contents ?? [])
            .map((o) => (o.Key ?? '').slice(base.length + 1))
            .filter((p) => !p.startsWith('root/'))
            .sort();
        },
      };
    },
  };
};

const backends = [local(), s3()];

const read = async (body: Readable): Promise<Buffer> => Buffer.concat(await body.toArray());
const sha256 = (data: Buffer): string => createHash('sha256').update(data).digest('hex');

/** Streams `data` in 64 KiB chunks so the store sees a real multi-chunk Readable, not one buffer. */
function chunked(data: Buffer, failAfter?: number): Readable {
  return Readable.from(
    (function* () {
      for (let at = 0; at < data.length; at += 65_536) {
        if (failAfter !== undefined && at >= failAfter) throw new Error('client went away');
        yield data.subarray(at, at + 65_536);
      }
    })(),
  );
}

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    if (isMloopError(err)) return err.code;
    throw err;
  }
  return 'no error';
}

for (const backend of backends) {
  describe(`artifact store: ${backend.name}`, () => {
    beforeAll(() => backend.start());
    afterAll(() => backend.stop());

    it('round-trips a buffer', async () => {
      const { store } = await backend.harness();
      const data = Buffer.from('flavors:\n  python_function: {}\n');
      expect(await store.put('model/MLmodel', data)).toEqual({ size: data.length });
      const got = await store.get('model/MLmodel');
      expect(got.size).toBe(data.length);
      expect(await read(got.body)).toEqual(data);
    });

    it('round-trips a 12 MB stream byte for byte', async () => {
      const { store } = await backend.harness();
      const data = randomBytes(12 * 1024 * 1024);
      expect(await store.put('big/weights.bin', chunked(data))).toEqual({ size: data.length });
      const got = await store.get('big/weights.bin');
      expect(got.size).toBe(data.length);
      const back = await read(got.body);
      expect(back.length).toBe(data.length);
      expect(sha256(back)).toBe(sha256(data));
    });

    it('replaces an object, and keeps the old bytes when a replacing stream fails', async () => {
      const { store } = await backend.harness();
      await store.put('a.txt', Buffer.from('one'));
      await store.put('a.txt', Buffer.from('two'));
      expect((await read((await store.get('a.txt')).body)).toString()).toBe('two');

      await expect(store.put('a.txt', chunked(randomBytes(300_000), 131_072))).rejects.toThrow();
      // Past the first 5 MiB part: the S3 backend has a multipart upload in flight that must be aborted.
      await expect(store.put('fresh.txt', chunked(randomBytes(8 << 20), 6 << 20))).rejects.toThrow();
      expect((await read((await store.get('a.txt')).body)).toString()).toBe('two');
      expect(await store.exists('fresh.txt')).toBe(false);
      expect(await store.list('')).toEqual([{ path: 'a.txt', isDir: false, size: 3 }]);
    });

    it('lists immediate children, sorted, with directories flagged and file sizes', async () => {
      const { store } = await backend.harness();
      await store.put('model/MLmodel', Buffer.from('12345'));
      await store.put('model/conda.yaml', Buffer.from('abc'));
      await store.put('model/data/weights.bin', Buffer.alloc(10));
      await store.put('metrics.json', Buffer.from('{}'));
      await store.put('données/é.txt', Buffer.from('x'));

      expect(await store.list('')).toEqual([
        { path: 'donn\u00e9es', isDir: true },
        { path: 'metrics.json', isDir: false, size: 2 },
        { path: 'model', isDir: true },
      ]);
      const model = await store.list('model');
      expect(model).toEqual([
        { path: 'model/MLmodel', isDir: false, size: 5 },
        { path: 'model/conda.yaml', isDir: false, size: 3 },
        { path: 'model/data', isDir: true },
      ]);
      expect(model[2]?.size).toBeUndefined();
      expect(await store.list('model/')).toEqual(model);
      expect(await store.list('model/data')).toEqual([
        { path: 'model/data/weights.bin', isDir: false, size: 10 },
      ]);
      expect(await store.list('missing')).toEqual([]);
      expect(await store.list('metrics.json')).toEqual([]);
    });

    it('deletes a file, a directory recursively, and ignores missing paths', async () => {
      const { store } = await backend.harness();
      for (const p of ['model/MLmodel', 'model/data/w.bin', 'model2/keep.txt', 'modelx', 'keep.txt']) {
        await store.put(p, Buffer.from(p));
      }
      await store.delete('keep.txt');
      expect(await store.exists('keep.txt')).toBe(false);

      await store.delete('model');
      expect(await store.list('model')).toEqual([]);
      expect(await store.exists('model/data/w.bin')).toBe(false);
      // A prefix delete must stop at the '/' boundary: 'model' is not a prefix of 'model2/…' or 'modelx'.
      expect(await store.list('')).toEqual([
        { path: 'model2', isDir: true },
        { path: 'modelx', isDir: false, size: 6 },
      ]);

      await store.delete('never/was');
      await store.delete('model');
      await store.delete('modelx/below');
    });

    it('reports existence of objects only', async () => {
      const { store } = await backend.harness();
      await store.put('dir/file.txt', Buffer.from('x'));
      expect(await store.exists('dir/file.txt')).toBe(true);
      expect(await store.exists('dir')).toBe(false);
      expect(await store.exists('nope.txt')).toBe(false);
      expect(await store.exists('dir/file.txt/below')).toBe(false);
    });

    it('throws RESOURCE_DOES_NOT_EXIST for a missing object or a directory', async () => {
      const { store } = await backend.harness();
      await store.put('dir/file.txt', Buffer.from('x'));
      expect(await codeOf(store.get('missing.txt'))).toBe('RESOURCE_DOES_NOT_EXIST');
      expect(await codeOf(store.get('dir'))).toBe('RESOURCE_DOES_NOT_EXIST');
      expect(await codeOf(store.get('dir/file.txt/below'))).toBe('RESOURCE_DOES_NOT_EXIST');
    });

    it('refuses every attempt to leave the root and touches nothing outside it', async () => {
      const h = await backend.harness();
      const secret = Buffer.from('top secret');
      await h.writeOutside('secret.txt', secret);
      await h.writeOutside('root-sibling/file.txt', secret);
      await h.store.put('inside.txt', Buffer.from('in'));
      const before = await h.listOutside();

      const escapes = [
        '../secret.txt',
        '..',
        'a/../../secret.txt',
        '../root-sibling/file.txt',
        '..%2fsecret.txt',
        '%2e%2e/secret.txt',
        '%252e%252e%252fsecret.txt',
        '..\\secret.txt',
        '/etc/passwd',
        '//localhost/etc/passwd',
        'file:///etc/passwd',
        'inside.txt#/../../secret.txt',
        '..;/secret.txt',
        '../secret.txt\u0000.png',
      ];
      for (const p of escapes) {
        expect.soft(await codeOf(h.store.get(p)), `get ${p}`).toBe('INVALID_PARAMETER_VALUE');
        expect
          .soft(await codeOf(h.store.put(p, Buffer.from('pwned'))), `put ${p}`)
          .toBe('INVALID_PARAMETER_VALUE');
        expect
          .soft(await codeOf(h.store.put(p, chunked(Buffer.from('pwned')))), `put stream ${p}`)
          .toBe('INVALID_PARAMETER_VALUE');
        expect.soft(await codeOf(h.store.list(p)), `list ${p}`).toBe('INVALID_PARAMETER_VALUE');
        expect.soft(await codeOf(h.store.delete(p)), `delete ${p}`).toBe('INVALID_PARAMETER_VALUE');
        expect.soft(await codeOf(h.store.exists(p)), `exists ${p}`).toBe('INVALID_PARAMETER_VALUE');
      }
      // Deleting the root itself would wipe every run's artifacts.
      expect(await codeOf(h.store.delete(''))).toBe('INVALID_PARAMETER_VALUE');

      expect(await h.listOutside()).toEqual(before);
      expect(await h.readOutside('secret.txt')).toEqual(secret);
      expect(await h.readOutside('root-sibling/file.txt')).toEqual(secret);
      expect(await h.store.list('')).toEqual([{ path: 'inside.txt', isDir: false, size: 2 }]);
    });
  });
}

describe('artifact store: local filesystem specifics', () => {
  const backend = local();
  beforeAll(() => backend.start());
  afterAll(() => backend.stop());

  /** A root holding links that lead out (`link`, `file-link`, `deep/rel-link`) and one that stays in (`alias`). */
  async function planted() {
    const h = await backend.harness();
    await h.writeOutside('outside/secret.txt', Buffer.from('top secret'));
    await h.store.put('real/x.txt', Buffer.from('x'));
    const root = h.root;
    await symlink(join(root, '..', 'outside'), join(root, 'link'));
    await symlink(join(root, '..', 'outside', 'secret.txt'), join(root, 'file-link'));
    await mkdir(join(root, 'deep'));
    await symlink('../../outside', join(root, 'deep', 'rel-link'));
    await symlink(join(root, 'real'), join(root, 'alias'));
    return { ...h, before: await h.listOutside() };
  }

  it('refuses reads, writes, listings and deletes through a link that leads out of the root', async () => {
    const h = await planted();
    for (const p of ['link/secret.txt', 'file-link', 'deep/rel-link/secret.txt']) {
      expect.soft(await codeOf(h.store.get(p)), `get ${p}`).toBe('INVALID_PARAMETER_VALUE');
      expect.soft(await codeOf(h.store.exists(p)), `exists ${p}`).toBe('INVALID_PARAMETER_VALUE');
      expect.soft(await codeOf(h.store.delete(p)), `delete ${p}`).toBe('INVALID_PARAMETER_VALUE');
      expect
        .soft(await codeOf(h.store.put(p, Buffer.from('pwned'))), `put ${p}`)
        .toBe('INVALID_PARAMETER_VALUE');
    }
    for (const p of ['link/pwn.txt', 'link/new/deeper/pwn.txt', 'deep/rel-link/pwn.txt']) {
      expect
        .soft(await codeOf(h.store.put(p, Buffer.from('pwned'))), `put ${p}`)
        .toBe('INVALID_PARAMETER_VALUE');
      expect
        .soft(await codeOf(h.store.put(p, chunked(Buffer.from('pwned')))), `put ${p}`)
        .toBe('INVALID_PARAMETER_VALUE');
    }
    for (const p of ['link', 'deep/rel-link']) {
      expect.soft(await codeOf(h.store.list(p)), `list ${p}`).toBe('INVALID_PARAMETER_VALUE');
      expect.soft(await codeOf(h.store.delete(p)), `delete ${p}`).toBe('INVALID_PARAMETER_VALUE');
    }
    expect(await h.listOutside()).toEqual(h.before);
    expect(await h.readOutside('outside/secret.txt')).toEqual(Buffer.from('top secret'));
    expect(await readdir(join(h.root, '..', 'outside'))).toEqual(['secret.txt']);
  });

  it('leaves links that lead out of the root out of listings', async () => {
    const h = await planted();
    expect(await h.store.list('')).toEqual([
      { path: 'alias', isDir: true },
      { path: 'deep', isDir: true },
      { path: 'real', isDir: true },
    ]);
    expect(await h.store.list('deep')).toEqual([]);
  });

  it('follows links that stay inside the root', async () => {
    const h = await planted();
    expect((await read((await h.store.get('alias/x.txt')).body)).toString()).toBe('x');
    expect(await h.store.list('alias')).toEqual([{ path: 'alias/x.txt', isDir: false, size: 1 }]);
  });

  it('refuses to write over a directory or beneath a file', async () => {
    const { store } = await backend.harness();
    await store.put('dir/file.txt', Buffer.from('x'));
    expect(await codeOf(store.put('dir', Buffer.from('y')))).toBe('INVALID_PARAMETER_VALUE');
    expect(await codeOf(store.put('dir/file.txt/below', Buffer.from('y')))).toBe('INVALID_PARAMETER_VALUE');
    expect(await store.list('')).toEqual([{ path: 'dir', isDir: true }]);
  });

  it('does not block on a FIFO planted in the root', async () => {
    const h = await backend.harness();
    await h.store.put('keep.txt', Buffer.from('x'));
    execFileSync('mkfifo', [join(h.root, 'pipe')]);
    expect(await codeOf(h.store.get('pipe'))).toBe('RESOURCE_DOES_NOT_EXIST');
    expect(await h.store.exists('pipe')).toBe(false);
  });

  it('leaves no temporary files behind', async () => {
    const h = await planted();
    await h.store.put('real/y.txt', chunked(randomBytes(200_000)));
    await expect(h.store.put('real/z.txt', chunked(randomBytes(300_000), 131_072))).rejects.toThrow();
    expect((await readdir(join(h.root, 'real'))).sort()).toEqual(['x.txt', 'y.txt']);
  });
});

describe('artifact store: s3 paging', () => {
  const backend = s3();
  beforeAll(() => backend.start());
  afterAll(() => backend.stop());

  it('lists and deletes across many pages', async () => {
    const { bucket, endpoint, credentials } = backend.server();
    const store = new S3ArtifactStore(`s3://${bucket}/paging`, { endpoint, credentials, pageSize: 2 });
    try {
      const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
      for (const n of names) await store.put(`dir/${n}.txt`, Buffer.from(n));
      for (const n of ['x', 'y', 'z']) await store.put(`dir/sub${n}/f.txt`, Buffer.from(n));
      const listed = await store.list('dir');
      expect(listed.map((e) => e.path)).toEqual([
        ...names.map((n) => `dir/${n}.txt`),
        'dir/subx',
        'dir/suby',
        'dir/subz',
      ]);
      await store.delete('dir');
      expect(await store.list('dir')).toEqual([]);
      expect(await store.list('')).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('treats a directory marker key as the directory, not as a child', async () => {
    const { bucket, endpoint, credentials } = backend.server();
    const client = createS3Client({ endpoint, credentials });
    const store = new S3ArtifactStore(`s3://${bucket}/markers`, { client });
    try {
      await client.send(
        new PutObjectCommand({ Bucket: bucket, Key: 'markers/dir/', Body: new Uint8Array(0) }),
      );
      await store.put('dir/f.txt', Buffer.from('f'));
      expect(await store.list('')).toEqual([{ path: 'dir', isDir: true }]);
      expect(await store.list('dir')).toEqual([{ path: 'dir/f.txt', isDir: false, size: 1 }]);
      await store.delete('dir');
      const left = await client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: 'markers/' }));
      expect(left.Contents ?? []).toEqual([]);
    } finally {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: 'markers/dir/' }));
      client.destroy();
    }
  });
});
