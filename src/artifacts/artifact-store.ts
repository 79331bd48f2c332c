import type { Readable } from 'node:stream';

export interface ArtifactEntry {
  /** Path relative to the store root, POSIX separators, no leading slash. */
  path: string;
  isDir: boolean;
  /** Size in bytes; undefined for directories. */
  size?: number;
}

export interface ArtifactObject {
  body: Readable;
  size: number;
}

/**
 * The bytes layer (Metaflow's `datastore_storage`): backends only move bytes under a root. Every `path` given here
 * has already passed `safeArtifactPath`; backends still refuse anything that would resolve outside their root.
 */
export interface ArtifactStore {
  /** The root URI, e.g. `file:///home/me/.mloop/artifacts` or `s3://bucket/prefix`. */
  readonly uri: string;
  /** Writes (or replaces) one object from a stream or a buffer; resolves once the bytes are durable. */
  put(path: string, body: Readable | Uint8Array): Promise<{ size: number }>;
  /** Opens one object; throws RESOURCE_DOES_NOT_EXIST when absent. */
  get(path: string): Promise<ArtifactObject>;
  /** The immediate children of a directory prefix ('' for the root), sorted by path; [] when absent. */
  list(prefix: string): Promise<ArtifactEntry[]>;
  /** Deletes an object or, recursively, everything under a directory prefix. Missing paths are not an error. */
  delete(path: string): Promise<void>;
  /** Whether an object exists at `path` (directories are not objects). */
  exists(path: string): Promise<boolean>;
  /** Releases held connections (S3 keep-alive sockets); stores that hold none leave it out. */
  close?(): Promise<void>;
}
