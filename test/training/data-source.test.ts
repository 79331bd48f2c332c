import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPath } from '../../src/data/hash/manifest.js';
import { StatCache } from '../../src/data/hash/stat-cache.js';
import { addDataset } from '../../src/data/workspace/add.js';
import { type LocalMloopClient, openLocalClient } from '../../src/sdk/local.js';
import { resolveData } from '../../src/training/data-source.js';
import { readFrame } from '../../src/training/table-frame.js';
import { workdir } from '../data/fixtures.js';

describe('--data: files, directories and dataset versions', () => {
  let dir: string;
  let client: LocalMloopClient;
  let cache: StatCache;
  beforeAll(async () => {
    dir = workdir();
    client = await openLocalClient({ home: join(dir, 'home'), git: false });
    cache = new StatCache(join(dir, 'state'));
  });
  afterAll(async () => {
    cache?.close();
    await client?.close();
  });

  it('reads a directory as its table files in path order, skipping other files', async () => {
    const d = join(dir, 'parts');
    mkdirSync(join(d, 'b'), { recursive: true });
    writeFileSync(join(d, 'b', '2.csv'), 'x,y\n3,1\n');
    writeFileSync(join(d, 'a.csv'), 'x,y\n1,0\n2,1\n');
    writeFileSync(join(d, 'README.txt'), 'not a table');
    const data = await resolveData(d, client, { cache });
    expect(data.files).toEqual([join(d, 'a.csv'), join(d, 'b', '2.csv')]);
    expect(data).toMatchObject({ label: d, hash: (await hashPath(d)).hash });
    expect(data.version).toBeUndefined();
    const frame = await readFrame(data.files, { source: data.label });
    expect([...(frame.columns.x as { values: Float64Array }).values]).toEqual([1, 2, 3]);

    const none = join(dir, 'none');
    mkdirSync(none);
    writeFileSync(join(none, 'notes.txt'), 'x');
    await expect(resolveData(none, client, { cache })).rejects.toThrow(
      `${none}: the directory holds no table files (.csv, .tsv, .jsonl, .ndjson, .parquet, .pq, .arrow, .feather, .ipc).`,
    );
  });

  it('links a file to its version through the pointer beside it, and says why when it cannot', async () => {
    const file = join(dir, 'cities.csv');
    writeFileSync(file, 'id,city\n1,Oslo\n2,Rome\n');
    await addDataset(client, file, { cache, gitignore: false });
    const tracked = await resolveData(file, client, { cache });
    expect(tracked).toMatchObject({ label: 'cities@1', version: { name: 'cities', version: 1 } });

    writeFileSync(file, 'id,city\n1,Oslo\n2,Rome\n3,Lima\n');
    const modified = await resolveData(file, client, { cache });
    expect(modified.version).toBeUndefined();
    expect(modified.untrackedReason).toBe(
      `${file} differs from its pointer cities@1; record it with 'mloop data add' to link runs to it`,
    );
  });

  it('downloads NAME@VERSION to a temporary directory and removes it afterwards', async () => {
    const data = await resolveData('cities@1', client, { cache });
    // The working tree's copy was modified above, so the version is downloaded.
    expect(data.files).toHaveLength(1);
    expect(data.files[0]).toMatch(/mloop-data-.*\/cities\.csv$/);
    const frame = await readFrame(data.files, { source: data.label });
    expect(frame.nRows).toBe(2);
    await data.cleanup();
    await expect(readFrame(data.files, { source: data.label })).rejects.toThrow(/cannot read/);

    await expect(resolveData('cities@7', client, { cache })).rejects.toThrow(
      /^cities@7: not a file, and not a dataset version in the store: .*'mloop data list' shows the datasets\.$/,
    );
    await expect(resolveData('no such thing.csv', client, { cache })).rejects.toThrow(
      'no such thing.csv: no such file or directory, and not a dataset version (NAME@VERSION, e.g. flights@3 or flights@latest).',
    );
  });
});
