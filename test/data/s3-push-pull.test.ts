import { createHash } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { S3ArtifactStore } from '../../src/artifacts/s3/s3-artifact-store.js';
import { resolveConfig } from '../../src/config/config.js';
import { StatCache } from '../../src/data/hash/stat-cache.js';
import { addDataset } from '../../src/data/workspace/add.js';
import { findPointers } from '../../src/data/workspace/status.js';
import { pullPointers, pushPointers } from '../../src/data/workspace/sync.js';
import { type LocalMloopClient, openLocalClient } from '../../src/sdk/local.js';
import { type S3Server, startS3 } from '../support/s3.js';
import { workdir } from './fixtures.js';

const CSV = `id,v\n${Array.from({ length: 2000 }, (_, i) => `${i},${(i * 7) % 13}`).join('\n')}\n`;

describe('dataset content on a real S3 server (s3rver)', () => {
  let s3: S3Server;
  let client: LocalMloopClient;
  let cache: StatCache;
  let dir: string;
  beforeAll(async () => {
    s3 = await startS3();
    process.env.MLOOP_S3_ENDPOINT_URL = s3.endpoint;
    process.env.AWS_ACCESS_KEY_ID = s3.credentials.accessKeyId;
    process.env.AWS_SECRET_ACCESS_KEY = s3.credentials.secretAccessKey;
    dir = workdir({ 'table.csv': CSV });
    cache = new StatCache(join(dir, '.state'));
    client = await openLocalClient({
      config: resolveConfig({ home: join(dir, 'home'), artifacts: `s3://${s3.bucket}/team` }),
      git: false,
    });
  });
  afterAll(async () => {
    cache?.close();
    await client?.close();
    await s3?.stop();
  });

  it('add uploads to S3; pull restores deleted data from it; push copies a version to another home', async () => {
    const file = join(dir, 'table.csv');
    const added = await addDataset(client, file, { cache });
    const hash = createHash('sha256').update(CSV).digest('hex');
    expect(added).toMatchObject({ created: true, uploaded: { files: 1 }, version: { hash, rows: 2000 } });
    const bucket = new S3ArtifactStore(`s3://${s3.bucket}/team`, {
      endpoint: s3.endpoint,
      credentials: s3.credentials,
    });
    expect(await bucket.exists(`datasets/sha256/${hash.slice(0, 2)}/${hash}`)).toBe(true);
    await bucket.close();

    rmSync(file);
    const pulled = await pullPointers(client, await findPointers([dir]), { cache });
    expect(pulled).toMatchObject([{ name: 'table', action: 'restored', files: 1, bytes: CSV.length }]);
    expect(readFileSync(file, 'utf8')).toBe(CSV);

    const local = await openLocalClient({ home: join(dir, 'home2'), create: true, git: false });
    try {
      const pushed = await pushPointers(local, await findPointers([dir]), { cache });
      expect(pushed).toMatchObject([{ name: 'table', version: 1, recorded: true, uploaded: { files: 1 } }]);
      expect((await local.getDatasetVersion('table', hash.slice(0, 10))).rows).toBe(2000);
    } finally {
      await local.close();
    }
  });
});
