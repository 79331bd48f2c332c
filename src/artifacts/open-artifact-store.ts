import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { invalid, show } from '../core/errors.js';
import type { ArtifactStore } from './artifact-store.js';
import { LocalArtifactStore } from './local/local-artifact-store.js';
import type { S3ArtifactStoreOptions } from './s3/s3-artifact-store.js';
import { parseS3Uri } from './s3/s3-uri.js';

const VALID_FORMS = 'use file:///absolute/path, a plain directory path, or s3://bucket/prefix';

export interface OpenArtifactStoreOptions {
  /** Connection settings for s3:// roots; by default they come from the environment. */
  s3?: S3ArtifactStoreOptions;
}

/** Opens the artifact store for a root URI; a local root is created here so a bad location fails at startup. */
export function openArtifactStore(uri: string, opts: OpenArtifactStoreOptions = {}): ArtifactStore {
  if (uri.trim() === '') throw invalid(`The artifact root is empty: ${VALID_FORMS}.`);
  if (/^s3:/i.test(uri)) return lazyS3(uri, opts.s3);
  const dir = localDirectory(uri);
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    throw invalid(`Cannot create the artifact root ${show(dir)}: ${(err as Error).message}.`);
  }
  return new LocalArtifactStore(dir);
}

function localDirectory(uri: string): string {
  if (/^file:/i.test(uri)) {
    // Only file:///path: 'file://host/path' would name another machine and 'file:rel' has no defined base.
    // A query or fragment would be dropped silently by the URL parser rather than name part of the directory.
    if (!/^file:\/\/\//i.test(uri) || /[?#]/.test(uri)) {
      throw invalid(
        `Invalid artifact root ${show(uri)}: a file URI must be file:///absolute/path; ${VALID_FORMS}.`,
      );
    }
    try {
      return fileURLToPath(uri);
    } catch (err) {
      throw invalid(`Invalid artifact root ${show(uri)}: ${(err as Error).message}; ${VALID_FORMS}.`);
    }
  }
  // Two or more letters before ':' is a scheme; one letter is a Windows drive ('C:\\artifacts').
  if (/^[A-Za-z][A-Za-z0-9+.-]+:/.test(uri)) {
    throw invalid(`Unsupported artifact root ${show(uri)}: ${VALID_FORMS}.`);
  }
  return resolve(uri);
}

/**
 * The S3 backend behind a lazy import: the AWS SDK takes about a second to load, which a server on local files
 * should not pay at every start. The URI is still checked here, at open time.
 */
function lazyS3(uri: string, options: S3ArtifactStoreOptions | undefined): ArtifactStore {
  const { bucket, prefix } = parseS3Uri(uri);
  let loaded: Promise<ArtifactStore> | undefined;
  const store = () =>
    (loaded ??= import('./s3/s3-artifact-store.js').then((m) => new m.S3ArtifactStore(uri, options)));
  return {
    uri: `s3://${bucket}${prefix === '' ? '' : `/${prefix}`}`,
    put: async (path, body) => (await store()).put(path, body),
    get: async (path) => (await store()).get(path),
    list: async (prefix) => (await store()).list(prefix),
    delete: async (path) => (await store()).delete(path),
    exists: async (path) => (await store()).exists(path),
    close: async () => {
      if (loaded) await (await loaded).close?.();
    },
  };
}
