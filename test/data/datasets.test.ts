import { createHash } from 'node:crypto';
import {
  appendFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StatCache } from '../../src/data/hash/stat-cache.js';
import { readPointer } from '../../src/data/pointer.js';
import { addDataset } from '../../src/data/workspace/add.js';
import { dataStatus, findPointers } from '../../src/data/workspace/status.js';
import { checkoutVersion, pullPointers, pushPointers } from '../../src/data/workspace/sync.js';
import { MloopClient } from '../../src/sdk/client.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { STORE_BACKENDS } from '../support/stores.js';
import { workdir } from './fixtures.js';

const V1 = 'id,city,temp\n1,Oslo,10.5\n2,Rome,20\n3,Oslo,15\n';
const V2 = 'id,city,temp\n1,Oslo,10.5\n2,Rome,20\n3,Oslo,15\n4,Lima,18\n';
const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** Moves a file's mtime so that a rewrite within the same clock tick is still seen by the stat cache. */
function touch(file: string, seconds: number) {
  const t = new Date(Date.now() + seconds * 1000);
  utimesSync(file, t, t);
}

for (const backend of STORE_BACKENDS) {
  describe(`datasets on ${backend.name}`, () => {
    let t: TestApp;
    let client: MloopClient;
    let cache: StatCache;
    let dir: string;
    beforeAll(async () => {
      t = await startTestApp(backend);
      client = new MloopClient({
        baseUrl: 'http://localhost',
        fetch: async (input, init) => t.app.fetch(new Request(input, init)),
        git: false,
      });
      dir = workdir({ 'cities.csv': V1 });
      cache = new StatCache(join(dir, '.state'));
    });
    afterAll(async () => {
      cache?.close();
      await t?.close();
    });

    it('add → dedup → status → add again → checkout → pull round trip', async () => {
      const file = join(dir, 'cities.csv');
      const first = await addDataset(client, file, { cache });
      expect(first).toMatchObject({
        created: true,
        uploaded: { files: 1, bytes: V1.length },
        version: {
          name: 'cities',
          version: 1,
          hash: sha(V1),
          kind: 'file',
          rows: 3,
          format: 'csv',
          sourcePath: 'cities.csv',
        },
      });
      expect(first.version.schema!.columns.map((c) => `${c.name}:${c.type}`)).toEqual([
        'id:int',
        'city:string',
        'temp:float',
      ]);
      expect(first.version.profile!.rows).toBe(3);
      const pointer = await readPointer(join(dir, 'cities.mloop'));
      expect(pointer).toMatchObject({
        name: 'cities',
        version: 1,
        hash: sha(V1),
        size: V1.length,
        path: 'cities.csv',
        kind: 'file',
      });
      expect(readFileSync(join(dir, 'cities.mloop'), 'utf8')).toMatch(/^# mloop dataset pointer/);
      expect(await t.services.artifacts.exists(`datasets/sha256/${sha(V1).slice(0, 2)}/${sha(V1)}`)).toBe(
        true,
      );

      // Same content again: the same version, nothing uploaded.
      const again = await addDataset(client, file, { cache });
      expect(again).toMatchObject({
        created: false,
        uploaded: { files: 0, bytes: 0 },
        version: { version: 1 },
      });
      // The same bytes under another name: a new dataset, content stored once.
      const copy = await addDataset(client, file, { cache, name: 'cities-copy' });
      expect(copy).toMatchObject({
        created: true,
        uploaded: { files: 0 },
        version: { name: 'cities-copy', version: 1 },
      });

      const pointers = await findPointers([dir]);
      expect((await dataStatus(pointers, cache)).map((s) => s.state)).toEqual(['unchanged', 'unchanged']);
      writeFileSync(file, V2);
      touch(file, 10);
      expect((await dataStatus(pointers, cache)).map((s) => `${s.pointer.name}:${s.state}`)).toEqual([
        'cities-copy:modified',
        'cities:modified',
      ]);
      const second = await addDataset(client, file, { cache });
      expect(second.version).toMatchObject({ version: 2, hash: sha(V2), rows: 4 });
      expect((await readPointer(join(dir, 'cities.mloop'))).version).toBe(2);

      // Checkout v1 by number, then v2 by hash prefix; the pointer follows.
      const cities = (await findPointers([join(dir, 'cities.mloop')]))[0]!;
      const back = await checkoutVersion(client, { name: 'cities', version: '1' }, cities, { cache });
      expect(back).toMatchObject({ version: 1, files: 1 });
      expect(readFileSync(file, 'utf8')).toBe(V1);
      expect((await readPointer(join(dir, 'cities.mloop'))).version).toBe(1);
      const reread = (await findPointers([join(dir, 'cities.mloop')]))[0]!;
      await checkoutVersion(client, { name: 'cities', version: sha(V2).slice(0, 8) }, reread, { cache });
      expect(readFileSync(file, 'utf8')).toBe(V2);

      // Pull restores deleted data; modified data is refused unless forced.
      rmSync(file);
      const pulled = await pullPointers(client, await findPointers([join(dir, 'cities.mloop')]), { cache });
      expect(pulled).toMatchObject([{ name: 'cities', version: 2, action: 'restored', files: 1 }]);
      expect(readFileSync(file, 'utf8')).toBe(V2);
      writeFileSync(file, 'id\n9\n');
      touch(file, 20);
      await expect(
        pullPointers(client, await findPointers([join(dir, 'cities.mloop')]), { cache }),
      ).rejects.toThrow(/differs from its pointer cities@2; pull would overwrite it/);
      await pullPointers(client, await findPointers([join(dir, 'cities.mloop')]), { cache, force: true });
      expect(readFileSync(file, 'utf8')).toBe(V2);

      const versions = await client.listDatasetVersions('cities');
      expect(versions.map((v) => v.version)).toEqual([2, 1]);
      expect((await client.listDatasets()).map((d) => [d.name, d.latestVersion])).toEqual([
        ['cities', 2],
        ['cities-copy', 1],
      ]);
    });

    it('validates a version against the schema of the one before it, or of any version, without reading rows', async () => {
      const vdir = workdir({ 'temps.csv': 'id,city,temp\n1,Oslo,10.5\n2,Rome,20\n' });
      const file = join(vdir, 'temps.csv');
      await addDataset(client, file, { gitignore: false });
      writeFileSync(file, 'id,city,temp\n1,Oslo,10.5\n2,Lima,35\n');
      await addDataset(client, file, { gitignore: false });
      const get = async (path: string) => {
        const res = await t.app.fetch(new Request(`http://localhost/api/v1/datasets/temps/versions/${path}`));
        return { status: res.status, body: (await res.json()) as any };
      };
      const first = await get('1/validation');
      expect(first.body).toMatchObject({ version: 1, against: null, anomalies: [] });
      expect(first.body.note).toMatch(/first version/);
      const second = await get('latest/validation');
      expect(second.status).toBe(200);
      expect(second.body).toMatchObject({ version: 2, against: 1, rows: 2 });
      expect(second.body.anomalies.map((a: any) => `${a.column}:${a.rule}:${a.count}`).sort()).toEqual([
        'city:unseen-category:1',
        'temp:out-of-range:1',
      ]);
      // Rome is not among v2's cities.
      const back = (await get('1/validation?against=2')).body;
      expect(back).toMatchObject({ version: 1, against: 2 });
      expect(back.anomalies.map((a: any) => `${a.column}:${a.rule}:${a.count}`)).toEqual([
        'city:unseen-category:1',
      ]);
      expect((await get('3/validation')).status).toBe(404);
      expect((await get('2/validation?against=9')).status).toBe(404);
      expect((await get('x!/validation')).status).toBe(400);
    });

    it('versions a directory as a manifest and restores it file by file', async () => {
      const root = workdir();
      mkdirSync(join(root, 'images/a'), { recursive: true });
      writeFileSync(join(root, 'images/a/1.txt'), 'one');
      writeFileSync(join(root, 'images/2.csv'), 'x\n1\n2\n');
      const added = await addDataset(client, join(root, 'images'), { cache });
      expect(added.version).toMatchObject({ name: 'images', kind: 'dir', files: 2, rows: 2, format: 'csv' });
      expect(added.uploaded.files).toBe(2);
      writeFileSync(join(root, 'images/a/1.txt'), 'uno');
      writeFileSync(join(root, 'images/extra.txt'), 'x');
      touch(join(root, 'images/a/1.txt'), 10);
      const pointer = (await findPointers([join(root, 'images.mloop')]))[0]!;
      const restored = await checkoutVersion(client, { name: 'images', version: '1' }, pointer, {
        cache,
        force: true,
      });
      expect(restored.files).toBe(1);
      expect(readFileSync(join(root, 'images/a/1.txt'), 'utf8')).toBe('one');
      expect(existsSync(join(root, 'images/extra.txt'))).toBe(false);
      expect((await dataStatus([pointer], cache))[0]!.state).toBe('unchanged');
    });

    it('records nothing when the data changes during add, or when content is missing or wrong', async () => {
      const root = workdir({ 'moving.csv': 'id,city,temp\n7,Kyiv,3\n' });
      const file = join(root, 'moving.csv');
      const sneaky = new MloopClient({
        baseUrl: 'http://localhost',
        fetch: async (input, init) => {
          if (String(input).includes('/dataset-content/') && init?.method === 'PUT')
            appendFileSync(file, '9,Kyiv,1\n');
          return t.app.fetch(new Request(input, init));
        },
      });
      await expect(addDataset(sneaky, file, { cache })).rejects.toThrow(
        /hash to .*, not [0-9a-f]{64}; nothing was stored/,
      );
      await expect(client.listDatasetVersions('moving')).rejects.toMatchObject({ status: 404 });
      expect(existsSync(join(root, 'moving.mloop'))).toBe(false);

      const absent = sha('never uploaded');
      await expect(
        client.recordDatasetVersion('ghost', {
          hash: absent,
          kind: 'file',
          size: 1,
          files: 1,
          sourcePath: 'g',
        }),
      ).rejects.toThrow(/is not in the store: upload it before recording the version/);
      await expect(client.putContent(absent, new TextEncoder().encode('other bytes'))).rejects.toMatchObject({
        status: 400,
      });
      expect(await client.missingContent([absent])).toEqual([absent]);
      expect((await client.listDatasets()).map((d) => d.name)).not.toContain('ghost');
    });

    it('logs a version as a run input in MLflow’s dataset shape and lists the run under the version', async () => {
      const root = workdir({ 'train.csv': V1 });
      const run = await client.createRun({}, { git: false });
      const added = await addDataset(client, join(root, 'train.csv'), { cache, runId: run.info.runId });
      const got = await client.getRun(run.info.runId);
      const input = got.inputs.datasetInputs[0]!;
      expect(input.dataset).toMatchObject({
        name: 'train',
        digest: sha(V1).slice(0, 36),
        sourceType: 'mloop',
      });
      expect(JSON.parse(input.dataset.schema!).mlflow_colspec[0]).toEqual({
        type: 'long',
        name: 'id',
        required: true,
      });
      expect(JSON.parse(input.dataset.profile!)).toEqual({ num_rows: 3, num_elements: 9 });
      expect(input.tags).toEqual(
        expect.arrayContaining([
          { key: 'mlflow.data.context', value: 'training' },
          { key: 'mloop.dataset.version', value: 'train@1' },
        ]),
      );
      const version = await client.getDatasetVersion('train', added.version.version);
      expect(version.runs).toEqual([{ runId: run.info.runId, experimentId: '0', context: 'training' }]);
    });

    it('push records a pointer’s version in a store that lacks it', async () => {
      const other = await startTestApp(backend);
      try {
        const otherClient = new MloopClient({
          baseUrl: 'http://localhost',
          fetch: async (input, init) => other.app.fetch(new Request(input, init)),
        });
        const pushed = await pushPointers(otherClient, await findPointers([join(dir, 'cities.mloop')]), {
          cache,
        });
        expect(pushed).toMatchObject([
          { name: 'cities', version: 1, recorded: true, uploaded: { files: 1 } },
        ]);
        expect((await otherClient.getDatasetVersion('cities', 'latest')).hash).toBe(sha(V2));
        const twice = await pushPointers(otherClient, await findPointers([join(dir, 'cities.mloop')]), {
          cache,
        });
        expect(twice).toMatchObject([{ recorded: false, uploaded: { files: 0 } }]);
      } finally {
        await other.close();
      }
    });
  });
}
