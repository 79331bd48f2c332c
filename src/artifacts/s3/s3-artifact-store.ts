import { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  type ListObjectsV2CommandOutput,
  type S3Client,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { MloopError, notFound, show } from '../../core/errors.js';
import type { ArtifactEntry, ArtifactObject, ArtifactStore } from '../artifact-store.js';
import { joinArtifactPath, safeArtifactPath } from '../safe-path.js';
import { createS3Client, type S3ConnectionOptions } from './s3-client.js';
import { parseS3Uri } from './s3-uri.js';

export interface S3ArtifactStoreOptions extends S3ConnectionOptions {
  /** Share one client between stores; the store then leaves closing it to the caller. */
  client?: S3Client;
  /** Keys per ListObjectsV2 page and DeleteObjects call: 1–1000 (S3's cap, the default). Small values test paging. */
  pageSize?: number;
  /** Multipart part size for streamed puts; S3's minimum (5 MiB) by default. */
  partSize?: number;
}

const MAX_BATCH = 1000;
const MIN_PART_SIZE = 5 * 1024 * 1024;

/** Artifacts as objects under `s3://bucket/prefix`; directories are key prefixes ending in '/'. */
export class S3ArtifactStore implements ArtifactStore {
  readonly uri: string;
  readonly bucket: string;
  readonly prefix: string;
  private readonly client: S3Client;
  private readonly ownsClient: boolean;
  private readonly pageSize: number;
  private readonly partSize: number;

  constructor(uri: string, opts: S3ArtifactStoreOptions = {}) {
    ({ bucket: this.bucket, prefix: this.prefix } = parseS3Uri(uri));
    this.uri = `s3://${this.bucket}${this.prefix === '' ? '' : `/${this.prefix}`}`;
    this.client = opts.client ?? createS3Client(opts);
    this.ownsClient = opts.client === undefined;
    this.pageSize = Math.min(Math.max(1, Math.floor(opts.pageSize ?? MAX_BATCH)), MAX_BATCH);
    this.partSize = Math.max(opts.partSize ?? MIN_PART_SIZE, MIN_PART_SIZE);
  }

  async put(path: string, body: Readable | Uint8Array): Promise<{ size: number }> {
    const key = this.keyOf(safeArtifactPath(path, 'path'));
    let size = body instanceof Uint8Array ? body.byteLength : 0;
    const counted =
      body instanceof Uint8Array
        ? body
        : Readable.from(
            countBytes(body, (n) => {
              size += n;
            }),
          );
    // Upload sends one PutObject for small bodies and a multipart upload (aborted on failure) for large ones.
    const upload = new Upload({
      client: this.client,
      params: { Bucket: this.bucket, Key: key, Body: counted },
      partSize: this.partSize,
      queueSize: 4,
      leavePartsOnError: false,
    });
    await upload.done().catch((err: unknown) => {
      // An abandoned source would stay paused forever (an HTTP upload would hang); the local store's for-await
      // loop destroys it the same way.
      if (!(body instanceof Uint8Array)) body.destroy();
      return this.fail('upload', key, err);
    });
    return { size };
  }

  async get(path: string): Promise<ArtifactObject> {
    const rel = safeArtifactPath(path, 'path');
    const key = this.keyOf(rel);
    const out = await this.client
      .send(new GetObjectCommand({ Bucket: this.bucket, Key: key }))
      .catch((err: unknown) => {
        if (errorName(err) === 'NoSuchKey') throw notFound(`Artifact ${show(rel)} does not exist.`);
        return this.fail('GetObject', key, err);
      });
    // In Node the SDK's body is an http.IncomingMessage; anything else means a browser build slipped in.
    if (!(out.Body instanceof Readable)) {
      throw new MloopError('INTERNAL_ERROR', `S3 GetObject for ${this.show(key)} returned no readable body.`);
    }
    return { body: out.Body, size: out.ContentLength ?? 0 };
  }

  async list(prefix: string): Promise<ArtifactEntry[]> {
    const rel = safeArtifactPath(prefix, 'path', { allowEmpty: true });
    const dirKey = this.keyOf(rel);
    const listPrefix = dirKey === '' ? '' : `${dirKey}/`;
    const entries: ArtifactEntry[] = [];
    let token: string | undefined;
    do {
      const page = await this.listPage(listPrefix, '/', token);
      for (const { Prefix } of page.CommonPrefixes ?? []) {
        const name = Prefix?.slice(listPrefix.length, -1);
        if (isChildName(name)) entries.push({ path: joinArtifactPath(rel, name), isDir: true });
      }
      for (const { Key, Size } of page.Contents ?? []) {
        // A key equal to the prefix is a "directory marker" written by consoles and other tools, not a child.
        const name = Key?.slice(listPrefix.length);
        if (isChildName(name))
          entries.push({ path: joinArtifactPath(rel, name), isDir: false, size: Size ?? 0 });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token !== undefined);
    return entries.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async delete(path: string): Promise<void> {
    const key = this.keyOf(safeArtifactPath(path, 'path'));
    await this.client
      .send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key }))
      .catch((err: unknown) => this.fail('DeleteObject', key, err));
    // Listing restarts from the beginning after each batch instead of following continuation tokens: tokens that
    // are offsets (some S3-compatible servers) would skip keys once earlier ones are gone.
    let previous: string | undefined;
    for (;;) {
      const keys = ((await this.listPage(`${key}/`, undefined, undefined)).Contents ?? []).flatMap((o) =>
        o.Key === undefined ? [] : [o.Key],
      );
      const first = keys[0];
      if (first === undefined) return;
      if (first === previous) {
        throw new MloopError('INTERNAL_ERROR', `S3 kept listing ${this.show(first)} after deleting it.`);
      }
      previous = first;
      for (let i = 0; i < keys.length; i += MAX_BATCH) await this.deleteBatch(keys.slice(i, i + MAX_BATCH));
    }
  }

  async exists(path: string): Promise<boolean> {
    const key = this.keyOf(safeArtifactPath(path, 'path'));
    try {
      await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }));
      return true;
    } catch (err) {
      if (errorName(err) === 'NotFound' || httpStatus(err) === 404) return false;
      return this.fail('HeadObject', key, err);
    }
  }

  async close(): Promise<void> {
    if (this.ownsClient) this.client.destroy();
  }

  private keyOf(rel: string): string {
    return joinArtifactPath(this.prefix, rel);
  }

  private listPage(prefix: string, delimiter: string | undefined, token: string | undefined) {
    const input = { Bucket: this.bucket, Prefix: prefix, Delimiter: delimiter, ContinuationToken: token };
    return this.client
      .send(new ListObjectsV2Command({ ...input, MaxKeys: this.pageSize }))
      .catch((err: unknown): Promise<ListObjectsV2CommandOutput> => this.fail('ListObjectsV2', prefix, err));
  }

  private async deleteBatch(keys: string[]): Promise<void> {
    const out = await this.client
      .send(
        new DeleteObjectsCommand({
          Bucket: this.bucket,
          Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true },
        }),
      )
      .catch((err: unknown) => this.fail('DeleteObjects', keys[0] ?? '', err));
    const first = out.Errors?.[0];
    if (first !== undefined) {
      throw new MloopError(
        'INTERNAL_ERROR',
        `S3 DeleteObjects could not delete ${out.Errors?.length} key(s), e.g. ${this.show(first.Key ?? '')}: ` +
          `${first.Code ?? 'unknown'} ${first.Message ?? ''}`.trim(),
      );
    }
  }

  /** SDK errors become domain errors that name the operation and the object, keeping the original as cause. */
  private async fail(operation: string, key: string, err: unknown): Promise<never> {
    if (err instanceof MloopError) throw err;
    const detail = err instanceof Error ? `${errorName(err)}: ${err.message}` : String(err);
    throw new MloopError('INTERNAL_ERROR', `S3 ${operation} on ${this.show(key)} failed: ${detail}`, {
      cause: err,
    });
  }

  private show(key: string): string {
    return `s3://${this.bucket}/${key}`;
  }
}

/** `s3://bucket` or `s3://bucket/some/prefix[/]`; the prefix must itself be a safe artifact path. */
async function* countBytes(body: Readable, add: (n: number) => void): AsyncGenerator<Buffer> {
  for await (const chunk of body) {
    // Wraps rather than copies: a 12 MB body should not be held twice.
    const buf =
      typeof chunk === 'string'
        ? Buffer.from(chunk)
        : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    add(buf.byteLength);
    yield buf;
  }
}

const isChildName = (name: string | undefined): name is string =>
  name !== undefined && name !== '' && name !== '.' && name !== '..';

const errorName = (err: unknown): string => (err instanceof Error ? err.name : 'Error');

const httpStatus = (err: unknown): number | undefined =>
  typeof err === 'object' && err !== null && '$metadata' in err
    ? (err.$metadata as { httpStatusCode?: number } | undefined)?.httpStatusCode
    : undefined;

export { parseS3Uri };
