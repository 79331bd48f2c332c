import { randomUUID } from 'node:crypto';
import {
  constants,
  copyFileSync,
  createReadStream,
  createWriteStream,
  existsSync,
  mkdirSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline as pipe } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import type { ArtifactObject } from '../artifacts/artifact-store.js';

/** The part of an `ArtifactStore` the stage cache uses, plus optional local-copy capabilities. */
export interface CacheBackend {
  readonly uri: string;
  put(path: string, body: Readable | Uint8Array): Promise<{ size: number }>;
  get(path: string): Promise<ArtifactObject>;
  exists(path: string): Promise<boolean>;
  delete(path: string): Promise<void>;
  close?(): Promise<void>;
  /** Capability: copy a local file in (reflink where the file system can). */
  copyIn?(path: string, file: string): Promise<void>;
  /** Capability: copy an object out to a local file. */
  copyOut?(path: string, file: string): Promise<void>;
}

const SAFE = /^[a-z]+(\/[0-9a-z.]+)+$/;

/**
 * The project-local stage cache (`.mloop/cache`): objects as files, written to a temporary name and renamed, copied
 * with reflinks where the file system has them. Unlike the artifact store it does not fsync: it is a cache, every
 * object is addressed by its hash and checked against it when restored, so a torn write after a crash is a miss, not
 * wrong data — and skipping two fsyncs per output is most of a trivial stage's overhead.
 */
export class LocalCacheStore implements CacheBackend {
  readonly uri: string;
  private readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
    this.uri = pathToFileURL(this.root).href;
  }

  private file(path: string): string {
    if (!SAFE.test(path)) throw new Error(`invalid cache path ${JSON.stringify(path)}`);
    return join(this.root, path);
  }

  // Small files dominate (a trivial stage's output, run records): synchronous calls skip a thread-pool round trip
  // each, which is most of their cost on a loaded machine.
  private async atomically(path: string, write: (temp: string) => void | Promise<void>): Promise<void> {
    const target = this.file(path);
    mkdirSync(dirname(target), { recursive: true });
    const temp = join(dirname(target), `.tmp-${randomUUID()}`);
    try {
      await write(temp);
      renameSync(temp, target);
    } catch (err) {
      rmSync(temp, { force: true });
      throw err;
    }
  }

  async put(path: string, body: Readable | Uint8Array): Promise<{ size: number }> {
    await this.atomically(path, async (temp) => {
      if (body instanceof Uint8Array) writeFileSync(temp, body);
      else return pipe(body, createWriteStream(temp));
    });
    return { size: statSync(this.file(path)).size };
  }

  async copyIn(path: string, file: string): Promise<void> {
    await this.atomically(path, (temp) => copyFileSync(file, temp, constants.COPYFILE_FICLONE));
  }

  async copyOut(path: string, file: string): Promise<void> {
    copyFileSync(this.file(path), file, constants.COPYFILE_FICLONE);
  }

  async get(path: string): Promise<ArtifactObject> {
    const f = this.file(path);
    const size = statSync(f).size;
    return { body: createReadStream(f), size };
  }

  async exists(path: string): Promise<boolean> {
    return existsSync(this.file(path));
  }

  async delete(path: string): Promise<void> {
    rmSync(this.file(path), { force: true });
  }
}
