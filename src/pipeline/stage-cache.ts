import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline as pipe } from 'node:stream/promises';
import { hashPath, manifestBytes, parseManifest } from '../data/hash/manifest.js';
import { hashFile } from '../data/hash/sha256-file.js';
import type { CacheBackend } from './local-cache-store.js';
import type { HashedPath } from './lock.js';

/** What the run-cache keeps for a cache key: the outputs a successful run of that key produced. */
export interface RunRecord {
  key: string;
  stage: string;
  outs: HashedPath[];
  run?: string;
  createdAt: number;
}

const blobPath = (hash: string) => `pipeline/files/sha256/${hash.slice(0, 2)}/${hash}`;
const runPath = (key: string) => `pipeline/runs/${key.slice(0, 2)}/${key}.json`;

/**
 * The content-addressed cache of stage outputs (DVC's cache + run-cache), layered over an `ArtifactStore` so the same
 * code serves a project-local directory and the shared store workers exchange data through. Blobs are written before
 * the run record that names them, and stores write each object atomically, so a record never points at a partial
 * output.
 */
export class StageCache {
  constructor(readonly store: CacheBackend) {}

  /** Stores a file or a directory (each file, then the manifest last) under its hash; existing blobs are kept. */
  async putPath(absPath: string, hashed: HashedPath): Promise<void> {
    if (hashed.kind === 'file') {
      await this.putFile(absPath, hashed.hash);
      return;
    }
    const h = await hashPath(absPath, { needManifest: true });
    if (h.hash !== hashed.hash) throw new Error(`${hashed.path} changed while it was being stored`);
    for (const f of h.manifest!.files) await this.putFile(join(absPath, f.path), f.hash);
    const bytes = manifestBytes(h.manifest!);
    if (!(await this.store.exists(blobPath(hashed.hash)))) await this.store.put(blobPath(hashed.hash), bytes);
  }

  private async putFile(file: string, hash: string): Promise<void> {
    if (await this.store.exists(blobPath(hash))) return;
    if (this.store.copyIn) {
      // The output was hashed just before; a restore checks every blob against its hash again.
      await this.store.copyIn(blobPath(hash), file);
      return;
    }
    // Hash while uploading: bytes that no longer match their hash are deleted again, never recorded.
    const check = createHash('sha256');
    const body = createReadStream(file).pipe(
      new Transform({
        transform(chunk: Buffer, _enc, done) {
          check.update(chunk);
          done(null, chunk);
        },
      }),
    );
    await this.store.put(blobPath(hash), body);
    if (check.digest('hex') !== hash) {
      await this.store.delete(blobPath(hash));
      throw new Error(`${file} changed while it was being stored in the cache`);
    }
  }

  /** Whether every blob an output needs is present. */
  async has(out: HashedPath): Promise<boolean> {
    if (!(await this.store.exists(blobPath(out.hash)))) return false;
    if (out.kind === 'file') return true;
    const manifest = parseManifest(await this.readBlob(out.hash));
    for (const f of manifest.files) if (!(await this.store.exists(blobPath(f.hash)))) return false;
    return true;
  }

  private async readBlob(hash: string): Promise<Buffer> {
    const obj = await this.store.get(blobPath(hash));
    const chunks: Buffer[] = [];
    for await (const c of obj.body) chunks.push(c as Buffer);
    return Buffer.concat(chunks);
  }

  /**
   * Writes an output into `absPath` from the cache: each file to a temporary name beside it, checked against its hash,
   * then renamed; a directory is rebuilt to match its manifest exactly.
   */
  async restore(absPath: string, out: HashedPath): Promise<void> {
    if (out.kind === 'file') {
      await rm(absPath, { recursive: true, force: true });
      await this.restoreFile(absPath, out.hash);
      return;
    }
    const manifest = parseManifest(await this.readBlob(out.hash));
    await rm(absPath, { recursive: true, force: true });
    await mkdir(absPath, { recursive: true });
    for (const f of manifest.files) await this.restoreFile(join(absPath, f.path), f.hash);
  }

  private async restoreFile(target: string, hash: string): Promise<void> {
    await mkdir(dirname(target), { recursive: true });
    const temp = join(dirname(target), `.mloop-${randomUUID()}.tmp`);
    if (this.store.copyOut) {
      await this.store.copyOut(blobPath(hash), temp);
      const got = await hashFile(temp).catch(() => undefined);
      if (got?.hash !== hash) {
        await rm(temp, { force: true });
        // Dropped, so that the next run of the stage stores good bytes under this hash again.
        await this.store.delete(blobPath(hash));
        throw new Error(`the cached blob ${hash.slice(0, 12)} for ${target} is corrupt`);
      }
      await rename(temp, target);
      return;
    }
    const obj = await this.store.get(blobPath(hash));
    const check = createHash('sha256');
    await pipe(
      obj.body,
      new Transform({
        transform(chunk: Buffer, _enc, done) {
          check.update(chunk);
          done(null, chunk);
        },
      }),
      createWriteStream(temp),
    );
    if (check.digest('hex') !== hash) {
      await rm(temp, { force: true });
      await this.store.delete(blobPath(hash));
      throw new Error(`the cached blob ${hash.slice(0, 12)} for ${target} is corrupt`);
    }
    await rename(temp, target);
  }

  async getRun(key: string): Promise<RunRecord | undefined> {
    if (!(await this.store.exists(runPath(key)))) return undefined;
    const obj = await this.store.get(runPath(key));
    const chunks: Buffer[] = [];
    for await (const c of obj.body) chunks.push(c as Buffer);
    return JSON.parse(Buffer.concat(chunks).toString()) as RunRecord;
  }

  /** Records a successful run; call only after every output blob is stored. */
  async putRun(record: RunRecord): Promise<void> {
    await this.store.put(runPath(record.key), Buffer.from(`${JSON.stringify(record)}\n`));
  }
}

/** Removes a path (file or directory) if present. */
export async function removePath(absPath: string): Promise<void> {
  await rm(absPath, { recursive: true, force: true });
}
